"""Settling targets: a target's final status, its redial, and every counter that follows.

Dispatch is the only writer of the counters (docs/data-ownership.md), and every change to them
goes through ``settle`` inside the caller's transaction, in batches:

- a final status counts the target once in successful / error / canceled of its mode;
- a voice Busy / No Answer / Failed with attempts left schedules a redial instead;
- the first attempt of a recipient's first device (``is_first_device``) reaching any final
  status (or the device being canceled before any attempt) lowers ``first_attempt_pending``;
  at 0 the mode's ``first_attempt_end_time`` is set;
- ``messages.pending_targets`` drops per final target; at 0 the message ends (Canceled if it
  was canceled, Errored if every device is in the error group, else Sent).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.dispatch.policy import OPEN_MESSAGE, DispatchPolicy
from smlog.domain import status_group
from smlog.store import Transaction
from smlog.v1.common_pb2 import MessageStatus, StatusGroup

__all__ = ["Completed", "Final", "Settled", "message_outcome", "settle"]

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Final:
    """A target's latest attempt reached ``status`` (``attempt_number`` > 0), or, with
    ``attempt_number`` 0, the target closes with ``status`` and no attempt outstanding (a
    cancel before any attempt, or redials stopped by a cancel)."""

    target_id: int
    attempt_number: int
    status: int
    time_us: int


@dataclass(frozen=True, slots=True)
class Completed:
    message_id: int
    status: int
    priority: int
    duration_us: int


@dataclass
class Settled:
    finalized: int = 0
    redials: int = 0
    canceled: int = 0
    completed: list[Completed] = field(default_factory=list)
    first_attempts_done: list[tuple[int, int]] = field(default_factory=list)  # (mode, us)


@dataclass
class _Delta:
    successful: int = 0
    error: int = 0
    canceled: int = 0
    first_done: int = 0
    first_time: int = 0


_TARGETS = (
    "SELECT t.id, t.message_id, t.mode, t.is_first_device, t.is_final, t.attempt_count,"
    " t.priority, m.cancel_time IS NOT NULL FROM targets t JOIN messages m ON m.id = t.message_id"
)
_COMPLETE = (
    "SELECT m.id, m.sent_time, m.cancel_time IS NOT NULL, COALESCE(SUM(s.total_devices), 0),"
    " COALESCE(SUM(s.total_error), 0) FROM messages m"
    " LEFT JOIN message_mode_stats s ON s.message_id = m.id"
)


async def _targets(tx: Transaction, ids: list[int]) -> dict[int, tuple[int, ...]]:
    found: dict[int, tuple[int, ...]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        sql = _TARGETS + f" WHERE t.id IN ({marks})"
        for row in await tx.fetch_all(sql, chunk):
            found[int(row[0])] = tuple(int(row[i]) for i in range(8))
    return found


async def settle(tx: Transaction, finals: Sequence[Final], policy: DispatchPolicy) -> Settled:
    """Apply ``finals`` (stale ones, for an older attempt or a final target, are skipped)."""
    result = Settled()
    if not finals:
        return result
    targets = await _targets(tx, sorted({f.target_id for f in finals}))
    closed: list[tuple[int, int, int, int]] = []
    redials: list[tuple[int, int, int, int, int]] = []
    deltas: dict[tuple[int, int], _Delta] = defaultdict(_Delta)
    pending: dict[int, int] = defaultdict(int)
    last_time: dict[int, int] = defaultdict(int)
    priorities: dict[int, int] = {}
    done: set[int] = set()
    for final in finals:
        row = targets.get(final.target_id)
        if row is None or final.target_id in done:
            continue
        _, message_id, mode, first_device, is_final, attempt_count, priority, canceled = row
        if is_final or final.attempt_number not in (0, attempt_count):
            continue
        done.add(final.target_id)
        priorities[message_id] = priority
        delta = deltas[(message_id, mode)]
        first_now = final.attempt_number == 1 or (final.attempt_number == 0 == attempt_count)
        if first_device and first_now:
            delta.first_done += 1
            delta.first_time = max(delta.first_time, final.time_us)
        group = status_group(final.status)
        if (
            final.attempt_number > 0
            and not canceled
            and policy.redials(mode, final.status, final.attempt_number)
        ):
            due = final.time_us + policy.redial_wait_us
            redials.append((final.status, group, final.time_us, due, final.target_id))
            continue
        closed.append((final.status, group, final.time_us, final.target_id))
        if group == StatusGroup.STATUS_GROUP_ERROR:
            delta.error += 1
        elif group == StatusGroup.STATUS_GROUP_CANCELED:
            delta.canceled += 1
        else:
            delta.successful += 1
        pending[message_id] += 1
        last_time[message_id] = max(last_time[message_id], final.time_us)
    if closed:
        tx.queue(
            "UPDATE targets SET status = ?, status_group = ?, status_time = ?, is_final = 1,"
            " next_attempt_time = NULL WHERE id = ?",
            closed,
        )
    if redials:
        tx.queue(
            "UPDATE targets SET status = ?, status_group = ?, status_time = ?,"
            " next_attempt_time = ? WHERE id = ?",
            redials,
        )
    await _count(tx, deltas, result)
    if pending:
        tx.queue(
            "UPDATE messages SET pending_targets = pending_targets - ? WHERE id = ?",
            [(n, message_id) for message_id, n in pending.items()],
        )
        await _complete(tx, last_time, priorities, result)
    result.finalized = len(closed)
    result.redials = len(redials)
    result.canceled = sum(d.canceled for d in deltas.values())
    return result


async def _count(tx: Transaction, deltas: dict[tuple[int, int], _Delta], result: Settled) -> None:
    if not deltas:
        return
    tx.queue(
        "UPDATE message_mode_stats SET total_successful = total_successful + ?,"
        " total_error = total_error + ?, total_canceled = total_canceled + ?,"
        " first_attempt_pending = first_attempt_pending - ? WHERE message_id = ? AND mode = ?",
        [
            (d.successful, d.error, d.canceled, d.first_done, m, mode)
            for (m, mode), d in deltas.items()
        ],
    )
    firsts = [(d.first_time, m, mode) for (m, mode), d in deltas.items() if d.first_done]
    for first_time, message_id, mode in firsts:
        # The end is the latest first-attempt final of the mode, not of this batch: vendor
        # event times arrive out of order (a delayed callback settles after a later deadline).
        latest = await tx.fetch_one(
            "SELECT MAX(COALESCE(a.status_time, t.status_time)) FROM targets t"
            " LEFT JOIN attempts a ON a.target_id = t.id AND a.number = 1"
            " WHERE t.message_id = ? AND t.mode = ? AND t.is_first_device = 1",
            (message_id, mode),
        )
        end_time = max(first_time, int((latest and latest[0]) or 0))
        changed = await tx.execute(
            "UPDATE message_mode_stats SET first_attempt_end_time = ? WHERE message_id = ?"
            " AND mode = ? AND first_attempt_pending <= 0 AND first_attempt_end_time IS NULL",
            (end_time, message_id, mode),
        )
        if changed:
            row = await tx.fetch_one(
                "SELECT first_attempt_end_time - sent_time FROM message_mode_stats s"
                " JOIN messages m ON m.id = s.message_id WHERE s.message_id = ? AND s.mode = ?",
                (message_id, mode),
            )
            if row is not None and row[0] is not None:
                result.first_attempts_done.append((mode, max(int(row[0]), 0)))


async def _complete(
    tx: Transaction,
    last_time: dict[int, int],
    priorities: dict[int, int],
    result: Settled,
) -> None:
    ids = list(last_time)
    marks = ",".join("?" * len(ids))
    where = f" WHERE m.id IN ({marks}) AND m.pending_targets <= 0"
    sql = _COMPLETE + where + " AND m.status = ? GROUP BY m.id"
    rows = await tx.fetch_all(sql, [*ids, OPEN_MESSAGE])
    for row in rows:
        message_id, sent_time = int(row[0]), int(row[1] or 0)
        status = message_outcome(bool(row[2]), int(row[3]), int(row[4]))
        # The last device final of the whole message, not of this batch (out-of-order times).
        latest = await tx.fetch_one(
            "SELECT MAX(status_time) FROM targets WHERE message_id = ?", (message_id,)
        )
        end_time = max(last_time[message_id], sent_time, int((latest and latest[0]) or 0))
        await tx.execute(
            "UPDATE messages SET status = ?, end_time = ? WHERE id = ? AND status = ?",
            (status, end_time, message_id, OPEN_MESSAGE),
        )
        result.completed.append(
            Completed(message_id, status, priorities.get(message_id, 2), end_time - sent_time)
        )


def message_outcome(canceled: bool, devices: int, errors: int) -> int:
    """The status of a message whose every device is final."""
    if canceled:
        return MessageStatus.MESSAGE_STATUS_CANCELED
    if devices > 0 and errors >= devices:
        return MessageStatus.MESSAGE_STATUS_ERRORED
    return MessageStatus.MESSAGE_STATUS_SENT
