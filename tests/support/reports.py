"""The reports and log services in-process on port 0 over one store, stubs for callers with
chosen rights, and readers that parse a downloaded report back (csv, pypdf, python-docx)."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import docx
import grpc
import pytest
from grpc import aio
from pypdf import PdfReader

from smlog.config import Settings
from smlog.runtime import ServiceParts, Servicer
from smlog.services.log.service import create as create_log
from smlog.services.reports.servicer import ReportServicer
from smlog.store import Database, open_database
from smlog.v1 import log_pb2_grpc, reports_pb2, reports_pb2_grpc
from tests.support.rights import ALL
from tests.support.services import grpc_service
from tests.support.tokens import user_channel


@dataclass
class Downloaded:
    metadata: reports_pb2.ReportMetadata
    data: bytes
    responses: list[reports_pb2.BuildReportResponse]


@dataclass
class ReportEnv:
    db: Database
    settings: Settings
    reports_port: int
    log_port: int
    channels: list[aio.Channel] = field(default_factory=list)

    def _channel(self, port: int, user: str, district: int, rights: Sequence[str]) -> aio.Channel:
        channel = user_channel(self.settings, port, user, district, rights)
        self.channels.append(channel)
        return channel

    def reports(
        self, user: str = "alice", district: int = 1, rights: Sequence[str] = ALL
    ) -> reports_pb2_grpc.ReportServiceStub:
        return reports_pb2_grpc.ReportServiceStub(
            self._channel(self.reports_port, user, district, rights)
        )

    def log(
        self, user: str = "alice", district: int = 1, rights: Sequence[str] = ALL
    ) -> log_pb2_grpc.SentMessageLogServiceStub:
        return log_pb2_grpc.SentMessageLogServiceStub(
            self._channel(self.log_port, user, district, rights)
        )


def reports_parts(db: Database, **options: Any) -> ServiceParts:
    """The reports service over ``db`` (``options`` go to ReportServicer: small batches and
    chunks let a tiny message exercise the streaming)."""
    return ServiceParts(
        name="reports",
        servicers=[
            Servicer(
                reports_pb2_grpc.add_ReportServiceServicer_to_server,
                ReportServicer(db, **options),
                "smlog.v1.ReportService",
            )
        ],
    )


@contextlib.asynccontextmanager
async def running(settings: Settings, **options: Any) -> AsyncIterator[ReportEnv]:
    db = await open_database(settings)
    try:
        async with (
            grpc_service(reports_parts(db, **options), settings) as reports,
            grpc_service(await create_log(settings), settings) as log,
        ):
            env = ReportEnv(db, settings, reports.port, log.port)
            try:
                yield env
            finally:
                for channel in env.channels:
                    await channel.close()
    finally:
        await db.close()


async def download(
    stub: reports_pb2_grpc.ReportServiceStub, request: reports_pb2.BuildReportRequest
) -> Downloaded:
    responses = [r async for r in stub.BuildReport(request, timeout=30)]  # type: ignore[attr-defined]
    assert responses, "no response"
    assert responses[0].HasField("metadata"), "the first response carries the metadata"
    assert not any(r.HasField("metadata") for r in responses[1:])
    return Downloaded(responses[0].metadata, b"".join(r.chunk for r in responses), responses)


async def refusal(
    stub: reports_pb2_grpc.ReportServiceStub, request: reports_pb2.BuildReportRequest
) -> tuple[grpc.aio.AioRpcError, int]:
    """The error a BuildReport call fails with, and how many responses came before it."""
    received = 0
    try:
        async for _ in stub.BuildReport(request, timeout=30):  # type: ignore[attr-defined]
            received += 1
    except grpc.aio.AioRpcError as exc:
        return exc, received
    pytest.fail(f"BuildReport succeeded with {received} responses")


# Readers ------------------------------------------------------------------------------------


@dataclass
class CsvReport:
    summary: dict[str, list[str]]  # label -> the values after it
    table: list[list[str]]  # header row, then one row per device


def read_csv(data: bytes) -> CsvReport:
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    blank = lines.index([])
    summary = {line[0]: line[1:] for line in lines[:blank] if line}
    return CsvReport(summary, lines[blank + 1 :])


def read_pdf(data: bytes) -> list[str]:
    """Each page's text, runs of white space made one space."""
    assert data.startswith(b"%PDF-")
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


@dataclass
class DocxReport:
    header: dict[str, str]
    summary: dict[str, str]
    durations: list[list[str]]
    table: list[list[str]]


def read_docx(data: bytes) -> DocxReport:
    document: Any = docx.Document(io.BytesIO(data))
    tables = [[[cell.text for cell in row.cells] for row in t.rows] for t in document.tables]
    header, summary, durations, table = tables
    return DocxReport(
        dict((r[0], r[1]) for r in header),
        dict((r[0], r[1]) for r in summary[1:]),
        durations,
        table,
    )
