"""A message's live progress from its stored aggregates (cheap row reads, no attempt scans)."""

from __future__ import annotations

from smlog.clock import to_duration
from smlog.errors import NotFoundError
from smlog.services.dispatch.breaker import CHANNELS
from smlog.services.dispatch.policy import modes_of
from smlog.store import Database
from smlog.v1.common_pb2 import DispatchProgress, MessageStatus, ModeDelivery, VendorWait

__all__ = ["is_finished", "load_progress", "progress_signature"]

_OPEN = (MessageStatus.MESSAGE_STATUS_IN_PROGRESS, MessageStatus.MESSAGE_STATUS_DRAFT)


def is_finished(status: int) -> bool:
    return status not in _OPEN


async def load_progress(db: Database, message_id: int, now_us: int) -> DispatchProgress:
    message = await db.fetch_one(
        "SELECT status, delivery_modes, total_recipients, recipients_no_device, sent_time,"
        " end_time FROM messages WHERE id = ?",
        (message_id,),
    )
    if message is None:
        raise NotFoundError(f"message {message_id} not found")
    status, sent, end = int(message["status"]), message["sent_time"], message["end_time"]
    stats = {
        int(r["mode"]): r
        for r in await db.fetch_all(
            "SELECT mode, total_devices, total_attempts, total_successful, total_error,"
            " total_canceled, first_attempt_end_time FROM message_mode_stats"
            " WHERE message_id = ?",
            (message_id,),
        )
    }
    progress = DispatchProgress(
        message_id=message_id,
        status=status,  # type: ignore[arg-type]
        total_recipients=int(message["total_recipients"]),
        recipients_with_no_device=int(message["recipients_no_device"]),
    )
    for mode in modes_of(int(message["delivery_modes"])):
        row = stats.get(mode)
        delivery = ModeDelivery(delivery_mode=mode)  # type: ignore[arg-type]
        if row is not None:
            devices, ok = int(row["total_devices"]), int(row["total_successful"])
            error, canceled = int(row["total_error"]), int(row["total_canceled"])
            delivery.total_devices = devices
            delivery.total_attempts = int(row["total_attempts"])
            delivery.total_successful = ok
            delivery.total_error = error
            delivery.total_canceled = canceled
            delivery.total_pending = max(devices - ok - error - canceled, 0)
            first_end = row["first_attempt_end_time"]
            delivery.first_attempt_complete = first_end is not None
            if sent is not None:
                until = int(first_end) if first_end is not None else now_us
                delivery.first_attempt_duration.CopyFrom(to_duration(until - int(sent)))
        progress.modes.append(delivery)
    if sent is not None:
        progress.dispatch_start_time.FromMicroseconds(int(sent))
        until = int(end) if end is not None else now_us
        progress.total_message_duration.CopyFrom(to_duration(until - int(sent)))
    if end is not None:
        progress.dispatch_end_time.FromMicroseconds(int(end))
    for row in await db.fetch_all(
        "SELECT mode, SUM(attempt_count) AS held, MIN(due_time) AS next_try FROM vendor_retries"
        " WHERE message_id = ? GROUP BY mode ORDER BY mode",
        (message_id,),
    ):
        wait = VendorWait(
            vendor=CHANNELS[int(row["mode"])].vendor,
            delivery_mode=int(row["mode"]),  # type: ignore[arg-type]
            attempts_held=int(row["held"]),
        )
        wait.next_try_time.FromMicroseconds(int(row["next_try"]))
        progress.vendor_waits.append(wait)
    progress.update_time.FromMicroseconds(now_us)
    return progress


def progress_signature(progress: DispatchProgress) -> bytes:
    """What changes when something happened (not the running durations)."""
    copy = DispatchProgress()
    copy.CopyFrom(progress)
    copy.ClearField("update_time")
    copy.ClearField("total_message_duration")
    for wait in copy.vendor_waits:
        wait.ClearField("next_try_time")  # moves with every failed try
    for mode in copy.modes:
        mode.ClearField("first_attempt_duration")
    return copy.SerializeToString(deterministic=True)
