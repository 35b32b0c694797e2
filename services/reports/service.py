"""Assembles the reports service process."""

from __future__ import annotations

from smlog.config import Settings
from smlog.runtime import ServiceParts, Servicer
from smlog.services.reports.servicer import ReportServicer
from smlog.store import open_database
from smlog.v1 import reports_pb2_grpc


async def create(settings: Settings) -> ServiceParts:
    db = await open_database(settings, reads_only=True)
    return ServiceParts(
        name="reports",
        servicers=[
            Servicer(
                reports_pb2_grpc.add_ReportServiceServicer_to_server,
                ReportServicer(db),
                "smlog.v1.ReportService",
            )
        ],
        on_close=[db.close],
    )
