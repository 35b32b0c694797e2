"""Assembles the dispatch service process."""

from __future__ import annotations

from smlog.config import Settings
from smlog.runtime import ServiceParts, Servicer
from smlog.store import open_database
from smlog.v1 import dispatch_pb2_grpc


async def create(settings: Settings) -> ServiceParts:
    db = await open_database(settings)
    return ServiceParts(
        name="dispatch",
        servicers=[
            Servicer(
                dispatch_pb2_grpc.add_DispatchServiceServicer_to_server,
                dispatch_pb2_grpc.DispatchServiceServicer(),  # type: ignore[abstract]  # UNIMPLEMENTED until built
                "smlog.v1.DispatchService",
            )
        ],
        on_close=[db.close],
    )
