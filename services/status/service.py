"""Assembles the status service process."""

from __future__ import annotations

from smlog.config import Settings
from smlog.runtime import ServiceParts, Servicer
from smlog.store import open_database
from smlog.v1 import status_pb2_grpc


async def create(settings: Settings) -> ServiceParts:
    db = await open_database(settings)
    return ServiceParts(
        name="status",
        servicers=[
            Servicer(
                status_pb2_grpc.add_StatusServiceServicer_to_server,
                status_pb2_grpc.StatusServiceServicer(),  # type: ignore[abstract]  # UNIMPLEMENTED until built
                "smlog.v1.StatusService",
            )
        ],
        on_close=[db.close],
    )
