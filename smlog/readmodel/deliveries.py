"""Recipient Details: one row per device target of a message, filtered by mode and status.

Used by ListDeliveries (keyset pages on ``targets.id``) and by Build Report (the whole result,
streamed in batches). Rows come in target id order, which is the order dispatch resolved the
recipients' devices, so one recipient's devices stay together.

    query = await DeliveryQuery.open(db, viewer, message_id, modes, statuses, full_devices)
    total = await query.count()
    async for batch in query.stream():
        ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from smlog.auth import Right
from smlog.domain import STATUS_GROUPS
from smlog.errors import InvalidArgumentError, PermissionDeniedError
from smlog.readmodel.access import Viewer, load_visible_message
from smlog.readmodel.masking import mask_detail, show_device
from smlog.readmodel.rows import DeliveryRow
from smlog.store import ReadOnly, Row, in_marks
from smlog.v1.common_pb2 import DeliveryMode

_MODES = frozenset(v for v in DeliveryMode.values() if v)
_COLUMNS = (
    "t.id, r.name, r.student_name, t.mode, t.address, t.extension, t.status, t.status_time,"
    " t.vendor_detail, t.attempt_count"
)
_JOIN = "JOIN recipients r ON r.id = t.recipient_id"


def check_modes(values: Sequence[int], field: str = "delivery_modes") -> tuple[int, ...]:
    for v in values:
        if v not in _MODES:
            raise InvalidArgumentError(field, f"unknown DeliveryMode value {v}")
    return tuple(sorted(set(values)))


def check_statuses(values: Sequence[int], field: str = "statuses") -> tuple[int, ...]:
    for v in values:
        if v not in STATUS_GROUPS:
            raise InvalidArgumentError(field, f"unknown DeviceStatus value {v}")
    return tuple(sorted(set(values)))


@dataclass(frozen=True, slots=True)
class DeliveryQuery:
    """The Recipient Details rows of one message the viewer may see."""

    db: ReadOnly
    message_id: int
    modes: tuple[int, ...]  # empty: every mode
    statuses: tuple[int, ...]  # empty: every status
    full_devices: bool
    message: Row  # the message row (access already checked)

    @classmethod
    async def open(
        cls,
        db: ReadOnly,
        viewer: Viewer,
        message_id: int,
        modes: Sequence[int] = (),
        statuses: Sequence[int] = (),
        *,
        full_devices: bool = False,
    ) -> DeliveryQuery:
        """Validates the filters and the viewer's access (NOT_FOUND for a message it may not
        see; PERMISSION_DENIED for full devices without ``view_device_details``)."""
        checked_modes = check_modes(modes)
        checked_statuses = check_statuses(statuses)
        if full_devices and not viewer.full_devices:
            raise PermissionDeniedError(
                Right.VIEW_DEVICE_DETAILS.value, "show full phone numbers and email addresses"
            )
        message = await load_visible_message(db, viewer, message_id)
        return cls(db, message_id, checked_modes, checked_statuses, full_devices, message)

    def key(self) -> list[object]:
        """The parts a page token is bound to."""
        return [self.message_id, list(self.modes), list(self.statuses), self.full_devices]

    def _where(self, after_id: int) -> tuple[str, list[Any]]:
        # Every condition is on a column of targets_message_order (0030): a covering scan.
        where = ["t.message_id = ?"]
        params: list[Any] = [self.message_id]
        if self.modes:
            where.append(f"t.mode IN ({in_marks(len(self.modes))})")
            params.extend(self.modes)
        if self.statuses:
            where.append(f"t.status IN ({in_marks(len(self.statuses))})")
            params.extend(self.statuses)
        if after_id:
            where.append("t.id > ?")
            params.append(after_id)
        return " AND ".join(where), params

    async def count(self) -> int:
        where, params = self._where(0)
        row = await self.db.fetch_one(
            f"SELECT count(*) FROM targets t WHERE {where}",  # noqa: S608
            params,
        )
        return int(row[0]) if row is not None else 0

    def _row(self, r: Row) -> DeliveryRow:
        # The columns are NOT NULL INTEGER/TEXT (status_time may be NULL): no conversions.
        # Vendor detail may quote the address, so it is masked whenever the device is.
        full = self.full_devices
        return DeliveryRow(
            r[0], r[1], r[2], r[3], show_device(r[3], r[4], r[5], full=full),
            r[6], r[7], r[8] if full else mask_detail(r[8]), r[9],
        )  # fmt: skip

    async def page(self, after_id: int, size: int) -> tuple[list[DeliveryRow], bool]:
        """Up to ``size`` rows with target id above ``after_id``, and whether more follow."""
        where, params = self._where(after_id)
        # The page's ids first (index only), then the rows of just those ids.
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM (SELECT t.id FROM targets t WHERE {where}"  # noqa: S608
            f" ORDER BY t.id LIMIT ?) p JOIN targets t ON t.id = p.id {_JOIN} ORDER BY t.id",
            [*params, size + 1],
        )
        return [self._row(r) for r in rows[:size]], len(rows) > size

    async def stream(self, batch: int = 2000) -> AsyncIterator[list[DeliveryRow]]:
        """Every row, in batches, without holding the whole result in memory."""
        where, params = self._where(0)
        async for rows in self.db.stream(
            f"SELECT {_COLUMNS} FROM targets t {_JOIN} WHERE {where} ORDER BY t.id",  # noqa: S608
            params,
            batch,
        ):
            yield [self._row(r) for r in rows]
