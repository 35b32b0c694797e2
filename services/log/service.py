"""Assembles the log service process."""

from __future__ import annotations

from smlog.config import Settings
from smlog.readmodel import PageTokens
from smlog.runtime import ServiceParts, Servicer
from smlog.services.log.servicer import LogServicer
from smlog.store import open_database
from smlog.v1 import log_pb2_grpc


async def create(settings: Settings) -> ServiceParts:
    db = await open_database(settings, reads_only=True)
    return ServiceParts(
        name="log",
        servicers=[
            Servicer(
                log_pb2_grpc.add_SentMessageLogServiceServicer_to_server,
                LogServicer(db, PageTokens(settings.jwt_secret)),
                "smlog.v1.SentMessageLogService",
            )
        ],
        on_close=[db.close],
    )
