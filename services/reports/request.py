"""A BuildReportRequest checked and normalized, before anything is read or sent.

The seed's Build Report panel: delivery modes default to "All", statuses default to "All",
the format defaults to PDF; at least one mode and one status must stay selected. In the API
an absent selection message means "All" and a present but empty one is INVALID_ARGUMENT.
A mode or status the message does not have is allowed (it matches no rows).
"""

from __future__ import annotations

from dataclasses import dataclass

from smlog.errors import InvalidArgumentError
from smlog.readmodel import check_modes, check_statuses
from smlog.readmodel.access import check_message_id
from smlog.services.reports.render import resolve_format
from smlog.v1 import reports_pb2

_F = reports_pb2.ReportFormat
FORMAT_LABELS: dict[int, str] = {
    _F.REPORT_FORMAT_UNSPECIFIED: "pdf",
    _F.REPORT_FORMAT_PDF: "pdf",
    _F.REPORT_FORMAT_CSV: "csv",
    _F.REPORT_FORMAT_DOCX: "docx",
}


def format_label(fmt: int) -> str:
    """The ``format`` metric label: "pdf", "csv", "docx", or "unknown" (never the raw value)."""
    return FORMAT_LABELS.get(fmt, "unknown")


@dataclass(frozen=True, slots=True)
class ReportRequest:
    message_id: int
    fmt: int  # a ReportFormat, UNSPECIFIED already resolved to PDF
    modes: tuple[int, ...] | None  # DeliveryMode values, sorted and unique; None = "All"
    statuses: tuple[int, ...] | None  # DeviceStatus values, sorted and unique; None = "All"


def parse_request(request: reports_pb2.BuildReportRequest) -> ReportRequest:
    """The request's selections, or INVALID_ARGUMENT naming the field and why."""
    check_message_id(request.message_id)
    try:
        fmt = resolve_format(request.format)
    except ValueError:
        raise InvalidArgumentError(
            "format", f"unknown ReportFormat value {request.format}"
        ) from None
    modes: tuple[int, ...] | None = None
    if request.HasField("delivery_modes"):
        modes = check_modes(list(request.delivery_modes.delivery_modes))
        if not modes:
            raise InvalidArgumentError("delivery_modes", "select at least one delivery mode")
    statuses: tuple[int, ...] | None = None
    if request.HasField("statuses"):
        statuses = check_statuses(list(request.statuses.statuses))
        if not statuses:
            raise InvalidArgumentError("statuses", "select at least one status")
    return ReportRequest(request.message_id, fmt, modes, statuses)
