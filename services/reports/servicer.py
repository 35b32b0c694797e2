"""BuildReport: the seed's Build Report panel over the shared read side, streamed as chunks.

One call, in order (every refusal comes before the first response):
1. the caller's rights, as the log checks them (PERMISSION_DENIED without the log right);
2. the request (INVALID_ARGUMENT: empty mode or status selection, unknown values, format);
3. in one read snapshot: the message (NOT_FOUND when missing or hidden from the caller, as
   the log answers), its Message Detail, the row count of the selection;
4. the first response: ``ReportMetadata`` (file name, content type, total rows);
5. the file in chunks as the renderer produces them, each with ``rows_written``; rows are
   read from the store in batches, so memory does not grow with the row count.

Each ``yield`` waits until gRPC has taken the response, so once the HTTP/2 windows are full
a slow client slows the reading of rows instead of letting chunks pile up in memory.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

from grpc import aio

from smlog.auth import current_caller
from smlog.errors import SmlogError
from smlog.readmodel import DeliveryQuery, Viewer, build_detail, viewer_of
from smlog.services.reports.metrics import REPORT_BUILD_SECONDS, REPORT_ROWS, REPORTS_BUILT
from smlog.services.reports.render import CHUNK_SIZE, ReportContext, content_type, file_name, render
from smlog.services.reports.request import ReportRequest, format_label, parse_request
from smlog.store import Database
from smlog.v1 import reports_pb2, reports_pb2_grpc

Context = aio.ServicerContext[Any, Any]
Response = reports_pb2.BuildReportResponse

BATCH_ROWS = 2000


def _now() -> datetime:
    return datetime.now(UTC)


class ReportServicer(reports_pb2_grpc.ReportServiceServicer):
    def __init__(
        self,
        db: Database,
        *,
        batch_rows: int = BATCH_ROWS,
        chunk_size: int = CHUNK_SIZE,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._db = db
        self._batch_rows = batch_rows
        self._chunk_size = chunk_size
        self._clock = clock

    async def BuildReport(
        self, request: reports_pb2.BuildReportRequest, context: Context
    ) -> AsyncIterator[Response]:
        label = format_label(request.format)
        started = time.perf_counter()
        outcome = "internal"
        try:
            viewer = viewer_of(current_caller())
            wanted = parse_request(request)
            async for response in self._build(viewer, wanted, label):
                yield response
            outcome = "ok"
        except SmlogError as exc:
            outcome = exc.code.name.lower()
            raise
        except (asyncio.CancelledError, GeneratorExit):
            outcome = "cancelled"
            raise
        finally:
            REPORTS_BUILT.labels(label, outcome).inc()
            if outcome == "ok":
                REPORT_BUILD_SECONDS.labels(label).observe(time.perf_counter() - started)

    async def _build(
        self, viewer: Viewer, wanted: ReportRequest, label: str
    ) -> AsyncIterator[Response]:
        async with self._db.read_snapshot() as db:
            query = await DeliveryQuery.open(
                db,
                viewer,
                wanted.message_id,
                wanted.modes or (),
                wanted.statuses or (),
                full_devices=viewer.full_devices,
            )
            detail = await build_detail(db, query.message)
            total = await query.count()
            message_modes = tuple(int(m) for m in detail.general_criteria.delivery_modes)
            ctx = ReportContext(
                detail=detail,
                selected_modes=message_modes if wanted.modes is None else wanted.modes,
                selected_statuses=wanted.statuses,
                total_rows=total,
                generated_time=self._clock(),
            )
            yield Response(
                metadata=reports_pb2.ReportMetadata(
                    file_name=file_name(ctx, wanted.fmt),
                    content_type=content_type(wanted.fmt),
                    total_rows=total,
                )
            )
            rows_counter = REPORT_ROWS.labels(label)
            counted = 0
            chunks = render(
                wanted.fmt, ctx, query.stream(self._batch_rows), chunk_size=self._chunk_size
            )
            async for chunk in chunks:
                if chunk.rows_written > counted:
                    rows_counter.inc(chunk.rows_written - counted)
                    counted = chunk.rows_written
                yield Response(chunk=chunk.data, rows_written=chunk.rows_written)
