"""Cancel: CancelMessage closes what has not gone out yet, in one transaction.

A draft becomes Canceled at once; an open message gets its ``cancel_time``, and
``decisions.decide_cancel`` says what closes: targets never attempted (Canceled), redials
waiting (final with their last status), attempts stored but not sent (Canceled, except those
a worker is sending now). Calls already placed finish on their own; the message ends Canceled
when its last target is final (``settle``).
"""

from __future__ import annotations

from collections.abc import Collection

from smlog.errors import FailedPreconditionError
from smlog.services.dispatch.decisions import StoredAttempt, WaitingTarget, decide_cancel
from smlog.services.dispatch.policy import DispatchPolicy
from smlog.services.dispatch.settle import Settled, settle
from smlog.services.dispatch.wakeups import CANCELED, progressed
from smlog.store import Database, Transaction, fetch_in, row_lock
from smlog.v1.common_pb2 import DeviceStatus, MessageStatus

__all__ = ["cancel_message"]


def _name(status: int) -> str:
    return MessageStatus.Name(status).removeprefix("MESSAGE_STATUS_")  # type: ignore[arg-type]


async def _previous_statuses(tx: Transaction, target_ids: list[int]) -> dict[int, int]:
    """The status of the attempt before each target's latest one."""
    rows = await fetch_in(
        tx,
        "SELECT a.target_id, a.status FROM attempts a JOIN targets t ON t.id = a.target_id"
        " WHERE a.target_id IN ({marks}) AND a.number = t.attempt_count - 1",
        target_ids,
    )
    return {int(r["target_id"]): int(r["status"]) for r in rows}


async def cancel_message(
    db: Database,
    message_id: int,
    policy: DispatchPolicy,
    now_us: int,
    in_flight: Collection[int],
    worker: str = "",
    *,
    again: bool = False,
) -> tuple[int, Settled]:
    """Cancel ``message_id``; returns the devices canceled and what the transaction
    did. ``in_flight``: attempts this worker is sending now. With several workers, the
    unsent attempts another worker (not ``worker``) holds under a live lease count as in
    flight too: that worker may be sending them. The cancel notifies every worker
    (``wakeups.CANCELED``), and each one then runs it ``again``: it closes the unsent
    attempts it holds itself and is not sending, and stops sending the message's jobs."""
    async with db.transaction() as tx:
        row = await tx.fetch_one(
            "SELECT status, cancel_time FROM messages WHERE id = ?", (message_id,)
        )
        if row is None:
            raise FailedPreconditionError(f"message {message_id} is gone")
        status = int(row["status"])
        if status == MessageStatus.MESSAGE_STATUS_DRAFT:
            await tx.execute(
                "UPDATE messages SET status = ?, cancel_time = ?, end_time = ? WHERE id = ?",
                (MessageStatus.MESSAGE_STATUS_CANCELED, now_us, now_us, message_id),
            )
            return 0, Settled()
        if status != MessageStatus.MESSAGE_STATUS_IN_PROGRESS:
            if again:
                return 0, Settled()  # it finished meanwhile
            raise FailedPreconditionError(
                f"message {message_id} has finished ({_name(status)}); nothing to cancel"
            )
        if row["cancel_time"] is None:
            await tx.execute(
                "UPDATE messages SET cancel_time = ? WHERE id = ?", (now_us, message_id)
            )
            tx.notify(CANCELED, str(message_id))
        elif not again:
            return 0, Settled()
        waiting = [
            WaitingTarget(int(t["id"]), int(t["attempt_count"]), int(t["status"]))
            for t in await tx.fetch_all(
                "SELECT id, attempt_count, status FROM targets WHERE message_id = ?"  # noqa: S608
                " AND is_final = 0 AND next_attempt_time IS NOT NULL ORDER BY id"
                + row_lock(tx.dialect),  # a worker claiming them finishes first
                (message_id,),
            )
        ]
        found = await tx.fetch_all(
            "SELECT id, target_id, number, mode, claimed_by, lease_until FROM attempts"
            " WHERE message_id = ? AND is_final = 0 AND request_time IS NULL",
            (message_id,),
        )
        unsent = [
            StoredAttempt(int(a["id"]), int(a["target_id"]), int(a["number"]), int(a["mode"]))
            for a in found
        ]
        if worker:
            elsewhere = {
                int(a["id"])
                for a in found
                if str(a["claimed_by"]) != worker and (again or int(a["lease_until"]) >= now_us)
            }
            in_flight = set(in_flight) | elsewhere
        redials = [a.target_id for a in unsent if a.number > 1 and a.attempt_id not in in_flight]
        previous = await _previous_statuses(tx, redials)
        decision = decide_cancel(waiting, unsent, in_flight, previous, now_us)
        canceled = int(DeviceStatus.DEVICE_STATUS_CANCELED)
        tx.queue(
            "UPDATE attempts SET status = ?, status_time = ?, is_final = 1 WHERE id = ?",
            [(canceled, now_us, a.attempt_id) for a in decision.canceled_attempts],
        )
        settled = await settle(tx, decision.finals, policy)
        progressed(tx, [message_id])
    settled.attempts_final = [(a.mode, canceled) for a in decision.canceled_attempts]
    return settled.canceled, settled
