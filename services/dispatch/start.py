"""StartDispatch: resolve a draft's targets and open it for sending, in one transaction.

Suppressed targets and No Device placeholders are final at once; queued targets are due at
the dispatch start. A message without recipients ends as No Recipients, one whose targets are
all final at once ends at its start.
"""

from __future__ import annotations

from smlog.domain import status_group
from smlog.errors import FailedPreconditionError
from smlog.services.dispatch.decisions import message_outcome
from smlog.services.dispatch.optouts import opted_out_numbers
from smlog.services.dispatch.policy import modes_of, priority_of
from smlog.services.dispatch.resolution import Resolution, resolve
from smlog.services.dispatch.wakeups import WORK, progressed
from smlog.store import Database, Transaction
from smlog.v1.common_pb2 import MessageStatus

__all__ = ["start_dispatch"]

_M = MessageStatus


async def _opted_out(tx: Transaction, district_id: int) -> set[str]:
    row = await tx.fetch_one("SELECT sms_short_code FROM districts WHERE id = ?", (district_id,))
    return await opted_out_numbers(tx, str(row["sms_short_code"] or "") if row is not None else "")


async def start_dispatch(db: Database, message_id: int, now_us: int) -> bool:
    """Start a draft; False when it had already started (StartDispatch is idempotent)."""
    async with db.transaction() as tx:
        message = await tx.fetch_one(
            "SELECT status, district_id, message_type, delivery_modes FROM messages WHERE id = ?",
            (message_id,),
        )
        if message is None:
            raise FailedPreconditionError(f"message {message_id} is gone")
        if int(message["status"]) != _M.MESSAGE_STATUS_DRAFT:
            return False
        district_id, message_type = int(message["district_id"]), int(message["message_type"])
        modes = modes_of(int(message["delivery_modes"]))
        rows = await tx.fetch_all(
            "SELECT id, devices_json FROM recipients WHERE message_id = ? ORDER BY id",
            (message_id,),
        )
        if not rows:
            await tx.execute(
                "UPDATE messages SET status = ?, sent_time = ?, end_time = ? WHERE id = ?",
                (_M.MESSAGE_STATUS_NO_RECIPIENTS, now_us, now_us, message_id),
            )
            return True
        opted_out = await _opted_out(tx, district_id)
        resolution = resolve(
            ((int(r["id"]), str(r["devices_json"])) for r in rows), modes, message_type, opted_out
        )
        await _insert(tx, message_id, priority_of(message_type), modes, resolution, now_us)
        tx.notify(WORK, "")  # every worker's scheduler claims now
        progressed(tx, [message_id])
    return True


_TARGET_COLUMNS = (
    "message_id", "recipient_id", "mode", "address", "extension", "is_first_device", "priority",
    "status", "status_group", "status_time", "is_final", "next_attempt_time", "attempt_count",
)  # fmt: skip


async def _insert(
    tx: Transaction,
    message_id: int,
    priority: int,
    modes: list[int],
    resolution: Resolution,
    now_us: int,
) -> None:
    # COPY on PostgreSQL: a campaign's targets are one bulk write, not a statement each.
    await tx.copy_rows(
        "targets",
        _TARGET_COLUMNS,
        [
            (
                message_id,
                t.recipient_id,
                t.mode,
                t.address,
                t.extension,
                int(t.is_first_device),
                priority,
                t.status,
                status_group(t.status),
                None if t.queued else now_us,
                int(not t.queued),
                now_us if t.queued else None,
                int(t.suppressed),
            )
            for t in resolution.targets
        ],
    )
    await tx.executemany(
        "INSERT INTO message_mode_stats (message_id, mode, total_devices, total_attempts,"
        " total_successful, first_attempt_pending, first_attempt_end_time)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                message_id,
                mode,
                resolution.devices[mode],
                resolution.suppressed[mode],  # a suppressed contact is one attempt
                resolution.suppressed[mode],
                resolution.first_devices[mode],
                None if resolution.first_devices[mode] else now_us,
            )
            for mode in modes
        ],
    )
    pending = resolution.pending
    status: int = _M.MESSAGE_STATUS_IN_PROGRESS
    end_time = None
    if pending == 0:
        status = message_outcome(False, sum(resolution.devices.values()), 0)
        end_time = now_us
    await tx.execute(
        "UPDATE messages SET status = ?, sent_time = ?, end_time = ?, pending_targets = ?,"
        " recipients_no_device = ? WHERE id = ?",
        (status, now_us, end_time, pending, resolution.no_device_recipients, message_id),
    )
