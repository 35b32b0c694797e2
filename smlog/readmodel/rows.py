"""Plain rows the read side produces; shared by the log service and the reports service."""

from __future__ import annotations

from typing import NamedTuple


class DeliveryRow(NamedTuple):
    """One Recipient Details row: one device target of one recipient.

    A named tuple because reports build a million of them: creating one costs a third of a
    frozen dataclass. ``device`` is already masked or not, as the caller's rights decide.
    Times are microseconds since the Unix epoch (UTC); ``status_time_us`` is None while
    nothing happened yet.
    """

    target_id: int
    recipient_name: str
    student_name: str
    mode: int  # smlog.v1.DeliveryMode
    device: str
    status: int  # smlog.v1.DeviceStatus
    status_time_us: int | None
    vendor_detail: str
    attempt_count: int
