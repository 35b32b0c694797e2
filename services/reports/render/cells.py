"""One DeliveryRow as the seven Recipient Details texts, cleaned for any file format."""

from __future__ import annotations

from smlog.domain import status_label
from smlog.domain.labels import mode_label
from smlog.readmodel import DeliveryRow
from smlog.services.reports.render.timefmt import LocalTimes

# Line breaks and tabs become spaces (one line per cell in every format); other control
# characters, which XML cannot hold and spreadsheets show as garbage, are dropped.
_CLEAN: dict[int, str | None] = {c: None for c in range(32)}
_CLEAN.update({c: None for c in range(0x7F, 0xA0)})
_CLEAN.update({0x09: " ", 0x0A: " ", 0x0D: " ", 0x2028: " ", 0x2029: " "})
_CLEAN.update({0xFFFE: None, 0xFFFF: None})
_CLEAN.update({c: "\ufffd" for c in range(0xD800, 0xE000)})  # lone surrogates cannot be encoded


def clean(text: str) -> str:
    """The text without control characters; the cheap isprintable() check skips most values."""
    if text.isprintable():
        return text
    return text.translate(_CLEAN)


class RowCells:
    """Turns rows into ``[recipient, student, mode, device, status, time, vendor detail]``."""

    __slots__ = ("_modes", "_statuses", "_times")

    def __init__(self, times: LocalTimes) -> None:
        self._times = times
        self._modes: dict[int, str] = {}
        self._statuses: dict[int, str] = {}

    def __call__(self, row: DeliveryRow) -> list[str]:
        mode = self._modes.get(row.mode)
        if mode is None:
            mode = self._modes[row.mode] = mode_label(row.mode)
        status = self._statuses.get(row.status)
        if status is None:
            status = self._statuses[row.status] = status_label(row.status)
        return [
            clean(row.recipient_name),
            clean(row.student_name),
            mode,
            clean(row.device),
            status,
            self._times(row.status_time_us),
            clean(row.vendor_detail),
        ]
