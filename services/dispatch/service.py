"""Assembles the dispatch service process."""

from __future__ import annotations

from services.dispatch.clock import Clock, SystemClock
from services.dispatch.engine import Dispatcher
from services.dispatch.retention import Purger
from services.dispatch.servicer import DispatchServicer
from services.dispatch.watching import ProgressWatch
from smlog.config import Settings
from smlog.runtime import ServiceParts, Servicer
from smlog.store import open_database
from smlog.v1 import dispatch_pb2_grpc
from smlog.vendors import MailgunClient, VoxologyClient


async def create(settings: Settings, *, clock: Clock | None = None) -> ServiceParts:
    db = await open_database(settings)
    voxology = VoxologyClient(settings)
    engine = Dispatcher(
        settings,
        db,
        clock or SystemClock(),
        voice=voxology,
        text=voxology,
        email=MailgunClient(settings),
    )
    watch = ProgressWatch(db, settings, engine.clock.now_us)
    purger = Purger(
        db,
        engine.clock.now_us,
        interval_seconds=settings.retention_interval_seconds,
        batch=settings.retention_batch_rows,
        max_messages=settings.retention_max_messages,
    )
    return ServiceParts(
        name="dispatch",
        servicers=[
            Servicer(
                dispatch_pb2_grpc.add_DispatchServiceServicer_to_server,
                DispatchServicer(engine, watch),
                "smlog.v1.DispatchService",
            )
        ],
        components=[engine, watch, purger],
        on_close=[db.close],
    )
