"""Assembles the status service process: the gRPC servicer, the webhook edge (HTTP), the
journal worker and the dispatch notifier, over one store."""

from __future__ import annotations

from dataclasses import dataclass

from smlog.config import Settings
from smlog.runtime import ServiceParts, Servicer
from smlog.services.status.journal import CommitQueue
from smlog.services.status.notifier import OutcomeNotifier
from smlog.services.status.servicer import StatusServicer
from smlog.services.status.webhooks import WebhookEdge
from smlog.services.status.worker import StatusWorker
from smlog.store import open_database
from smlog.v1 import status_pb2_grpc
from smlog.vendors import TextClient, VoxologyClient

__all__ = ["StatusParts", "create", "create_parts"]


@dataclass
class StatusParts:
    """The service's pieces, for tests that need to reach one of them."""

    parts: ServiceParts
    edge: WebhookEdge
    worker: StatusWorker
    notifier: OutcomeNotifier


async def create_parts(
    settings: Settings,
    *,
    http_port: int | None = None,
    dispatch_target: str | None = None,
    texts: TextClient | None = None,
) -> StatusParts:
    db = await open_database(settings)
    texts = texts or VoxologyClient(settings)
    notifier = OutcomeNotifier(settings, dispatch_target)
    worker = StatusWorker(db, settings, notifier, texts)
    edge = WebhookEdge(settings, db, CommitQueue(db, worker.wake), port=http_port)
    parts = ServiceParts(
        name="status",
        servicers=[
            Servicer(
                status_pb2_grpc.add_StatusServiceServicer_to_server,
                StatusServicer(db, notifier),
                "smlog.v1.StatusService",
            )
        ],
        # Started in order, stopped in reverse: the edge stops taking webhooks first, then the
        # worker applies what was journaled, then the notifier tells dispatch.
        components=[notifier, worker, edge],
        on_close=[texts.close, db.close],
    )
    return StatusParts(parts, edge, worker, notifier)


async def create(settings: Settings) -> ServiceParts:
    return (await create_parts(settings)).parts
