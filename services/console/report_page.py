"""Screen 3, Build Report: Delivery Mode (All by default, at least one), Delivery Status (All
by default, at least one), Format (PDF by default); Generate streams the file from the reports
service as it is produced: a PDF opens in the browser, CSV and DOCX download."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import TypeVar

import grpc
from aiohttp import web

from smlog.runtime import LONG_STREAM_SECONDS
from smlog.services.console.context import backends, get_message, message_id_of, require_person
from smlog.services.console.rendering import render
from smlog.v1 import common_pb2, reports_pb2

MODES = {
    "inbox": common_pb2.DELIVERY_MODE_INBOX,
    "email": common_pb2.DELIVERY_MODE_EMAIL,
    "voice": common_pb2.DELIVERY_MODE_VOICE,
    "text": common_pb2.DELIVERY_MODE_TEXT,
}
_PREFIX = "DEVICE_STATUS_"
STATUSES = {
    name.removeprefix(_PREFIX).lower(): value
    for name, value in common_pb2.DeviceStatus.items()
    if value != common_pb2.DEVICE_STATUS_UNSPECIFIED
}
FORMATS = {
    "pdf": reports_pb2.REPORT_FORMAT_PDF,
    "csv": reports_pb2.REPORT_FORMAT_CSV,
    "docx": reports_pb2.REPORT_FORMAT_DOCX,
}
log = logging.getLogger("smlog.console")
_V = TypeVar("_V")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _selection(values: Sequence[str], known: Mapping[str, _V], field: str, noun: str,
               errors: dict[str, str]) -> list[_V] | None:  # fmt: skip
    """The ticked values of one checkbox group; None for "All" or a problem (in ``errors``)."""
    if not values:
        errors[field] = f"Select at least one {noun}"
    elif any(v != "all" and v not in known for v in values):
        errors[field] = f"Choose each {noun} from the list"
    elif "all" not in values:
        return [known[v] for v in values]
    return None


def read_report_form(
    modes: Sequence[str], statuses: Sequence[str], report_format: str
) -> tuple[dict[str, str], reports_pb2.BuildReportRequest]:
    """The panel's choices as a request (message id left 0) and the problems beside fields."""
    errors: dict[str, str] = {}
    request = reports_pb2.BuildReportRequest()
    chosen_modes = _selection(modes, MODES, "mode", "delivery mode", errors)
    if chosen_modes is not None:
        request.delivery_modes.delivery_modes.extend(chosen_modes)
    chosen_statuses = _selection(statuses, STATUSES, "status", "delivery status", errors)
    if chosen_statuses is not None:
        request.statuses.statuses.extend(chosen_statuses)
    if report_format in FORMATS:
        request.format = FORMATS[report_format]
    else:
        errors["format"] = "Choose PDF, CSV or DOCX"
    return errors, request


def content_disposition(file_name: str, content_type: str) -> str:
    """Inline for a PDF (the browser shows it), attachment for CSV and DOCX."""
    safe = _SAFE_NAME.sub("-", file_name).strip(".-") or "report"
    kind = "inline" if content_type == "application/pdf" else "attachment"
    return f'{kind}; filename="{safe}"'


async def report(request: web.Request) -> web.StreamResponse:
    person = require_person(request)
    message_id = message_id_of(request)
    query = request.query
    if "format" not in query:
        return await _form(request, message_id, {}, ["all"], ["all"], "pdf")
    modes, statuses = query.getall("mode", []), query.getall("status", [])
    errors, build = read_report_form(modes, statuses, query["format"])
    if errors:
        return await _form(request, message_id, errors, modes, statuses, query["format"])
    build.message_id = message_id
    call = backends(request).reports.BuildReport(
        build, metadata=person.metadata(), timeout=LONG_STREAM_SECONDS
    )
    first = await call.read()
    if first is grpc.aio.EOF:  # type: ignore[attr-defined]  # the stubs lack EOF
        raise web.HTTPServiceUnavailable(text="The report service ended without a report.")
    assert isinstance(first, reports_pb2.BuildReportResponse)
    meta = first.metadata
    response = web.StreamResponse(
        headers={
            "Content-Type": meta.content_type or "application/octet-stream",
            "Content-Disposition": content_disposition(meta.file_name, meta.content_type),
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    await response.write(first.chunk)
    try:
        async for part in call:
            await response.write(part.chunk)
    except grpc.aio.AioRpcError as exc:
        # Headers are sent: no error page now. Cut the connection so that the browser sees
        # an unfinished download, never a file that looks whole but is not.
        log.warning("report stream broke off: %s", exc.code().name)
        if request.transport is not None:
            request.transport.close()
        return response
    await response.write_eof()
    return response


async def _form(request: web.Request, message_id: int, errors: dict[str, str],
                modes: Sequence[str], statuses: Sequence[str],
                report_format: str) -> web.StreamResponse:  # fmt: skip
    person = require_person(request)
    m = await get_message(request, person, message_id)
    return render(
        request,
        "report.html",
        status=400 if errors else 200,
        person=person,
        m=m,
        modes=MODES,
        statuses=STATUSES,
        report_errors=errors,
        chosen_modes=list(modes),
        chosen_statuses=list(statuses),
        chosen_format=report_format,
    )
