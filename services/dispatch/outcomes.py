"""Store-side settling: final outcomes from the status service, status deadlines, cancels.

Each function is one transaction over a batch and returns what ``settle`` did plus the
(mode, status) of the attempts it made final, for metrics.
"""

from __future__ import annotations

from collections.abc import Collection

from services.dispatch.finals import Final, Settled, settle
from services.dispatch.policy import EMAIL, INBOX, MODES, TEXT, DispatchPolicy
from smlog.errors import FailedPreconditionError
from smlog.store import Database, Transaction
from smlog.v1.common_pb2 import DeviceStatus, MessageStatus

__all__ = ["cancel_message", "drain_outcomes", "expire_deadlines"]

_S = DeviceStatus
Results = list[tuple[int, int]]


def _name(status: int) -> str:
    return MessageStatus.Name(status).removeprefix("MESSAGE_STATUS_")  # type: ignore[arg-type]


async def drain_outcomes(
    db: Database, policy: DispatchPolicy, limit: int, held: Collection[int] = ()
) -> tuple[int, Settled, Results, int]:
    """Consume up to ``limit`` unconsumed rows of ``attempt_outcomes`` (the status service's
    outbox): the target of each final attempt is settled (redial, final, counters). An empty
    outbox is seen on a reader, without taking the write lock status needs.

    Outcomes of ``held`` attempts (sent, their vendor answer not yet written) stay in the
    outbox for a later drain, and are counted in the last value returned: a callback can
    overtake the vendor's answer, and settling it first could close the message while its
    attempts still lack their vendor reference."""
    if await db.fetch_one("SELECT 1 FROM attempt_outcomes WHERE consumed = 0 LIMIT 1") is None:
        return 0, Settled(), [], 0
    async with db.transaction() as tx:
        found = await tx.fetch_all(
            "SELECT o.attempt_id, o.status, o.status_time, a.target_id, a.number, a.mode"
            " FROM attempt_outcomes o LEFT JOIN attempts a ON a.id = o.attempt_id"
            " WHERE o.consumed = 0 ORDER BY o.attempt_id LIMIT ?",
            (limit,),
        )
        rows = [r for r in found if int(r[0]) not in held]
        skipped = len(found) - len(rows)
        if not rows:
            return 0, Settled(), [], skipped
        finals = [
            Final(int(r[3]), int(r[4]), int(r[1]), int(r[2])) for r in rows if r[3] is not None
        ]
        results = [(int(r[5]), int(r[1])) for r in rows if r[3] is not None]
        settled = await settle(tx, finals, policy)
        tx.queue(
            "UPDATE attempt_outcomes SET consumed = 1 WHERE attempt_id = ?",
            [(int(r[0]),) for r in rows],
        )
    return len(rows), settled, results, skipped


def _expired_status(mode: int, status: int) -> int:
    if mode in (INBOX, EMAIL):
        return _S.DEVICE_STATUS_NO_STATUS
    if mode == TEXT and status == _S.DEVICE_STATUS_SENT:
        return _S.DEVICE_STATUS_SENT  # the carrier took it and nothing followed: final Sent
    return _S.DEVICE_STATUS_NO_CALL_STATUS


async def expire_deadlines(
    db: Database, policy: DispatchPolicy, now_us: int, limit: int
) -> tuple[int, Settled, Results]:
    """Attempts the vendor accepted longer than the mode's deadline ago with no final status:
    No Call Status (voice, text), No Status (email, inbox); a text still Sent stays Sent.
    Nothing expired is seen on a reader, without taking the write lock."""
    oldest = now_us - min(policy.deadline_us[mode] for mode in MODES)
    probe = await db.fetch_one(
        "SELECT 1 FROM attempts WHERE is_final = 0 AND request_time < ? LIMIT 1", (oldest,)
    )
    if probe is None:
        return 0, Settled(), []
    async with db.transaction() as tx:
        rows = []
        for mode in MODES:
            rows += await tx.fetch_all(
                "SELECT id, target_id, number, mode, status FROM attempts WHERE is_final = 0"
                " AND request_time < ? AND mode = ? ORDER BY request_time LIMIT ?",
                (now_us - policy.deadline_us[mode], mode, limit),
            )
        if not rows:
            return 0, Settled(), []
        updates, finals, results = [], [], []
        for r in rows:
            status = _expired_status(int(r[3]), int(r[4]))
            updates.append((status, now_us, "deadline", int(r[0])))
            finals.append(Final(int(r[1]), int(r[2]), status, now_us))
            results.append((int(r[3]), status))
        tx.queue(
            "UPDATE attempts SET status = ?, status_time = ?, is_final = 1, vendor_code = ?"
            " WHERE id = ? AND is_final = 0",
            updates,
        )
        settled = await settle(tx, finals, policy)
    return len(rows), settled, results


async def _previous_statuses(tx: Transaction, target_ids: list[int]) -> dict[int, int]:
    """The status of the attempt before each target's latest one."""
    if not target_ids:
        return {}
    marks = ",".join("?" * len(target_ids))
    rows = await tx.fetch_all(
        "SELECT a.target_id, a.status FROM attempts a JOIN targets t ON t.id = a.target_id"  # noqa: S608
        f" WHERE a.target_id IN ({marks}) AND a.number = t.attempt_count - 1",
        target_ids,
    )
    return {int(r[0]): int(r[1]) for r in rows}


async def cancel_message(
    db: Database,
    message_id: int,
    policy: DispatchPolicy,
    now_us: int,
    in_flight: Collection[int],
) -> tuple[int, Settled, Results]:
    """Every target not yet attempted becomes Canceled (attempts stored but not sent yet
    included, except those a worker is sending right now); redials stop, the device keeping
    its last attempt's status; calls already placed finish on their own."""
    async with db.transaction() as tx:
        row = await tx.fetch_one(
            "SELECT status, cancel_time FROM messages WHERE id = ?", (message_id,)
        )
        if row is None:
            raise FailedPreconditionError(f"message {message_id} is gone")
        status = int(row[0])
        if status == MessageStatus.MESSAGE_STATUS_DRAFT:
            await tx.execute(
                "UPDATE messages SET status = ?, cancel_time = ?, end_time = ? WHERE id = ?",
                (MessageStatus.MESSAGE_STATUS_CANCELED, now_us, now_us, message_id),
            )
            return 0, Settled(), []
        if status != MessageStatus.MESSAGE_STATUS_IN_PROGRESS:
            raise FailedPreconditionError(
                f"message {message_id} has finished ({_name(status)}); nothing to cancel"
            )
        if row[1] is not None:
            return 0, Settled(), []
        await tx.execute("UPDATE messages SET cancel_time = ? WHERE id = ?", (now_us, message_id))
        finals: list[Final] = []
        waiting = await tx.fetch_all(
            "SELECT id, attempt_count, status FROM targets WHERE message_id = ? AND is_final = 0"
            " AND next_attempt_time IS NOT NULL",
            (message_id,),
        )
        for t in waiting:
            never = int(t[1]) == 0
            finals.append(
                Final(int(t[0]), 0, _S.DEVICE_STATUS_CANCELED if never else int(t[2]), now_us)
            )
        unsent = await tx.fetch_all(
            "SELECT id, target_id, number, mode FROM attempts WHERE message_id = ?"
            " AND is_final = 0 AND request_time IS NULL",
            (message_id,),
        )
        unsent = [a for a in unsent if int(a[0]) not in in_flight]
        tx.queue(
            "UPDATE attempts SET status = ?, status_time = ?, is_final = 1 WHERE id = ?",
            [(_S.DEVICE_STATUS_CANCELED, now_us, int(a[0])) for a in unsent],
        )
        # A redial stored but not sent is a stopped redial: its device keeps the status of the
        # attempt before it (as a redial still waiting does), only a first attempt is Canceled.
        previous = await _previous_statuses(tx, [int(a[1]) for a in unsent if int(a[2]) > 1])
        for a in unsent:
            target_id, number = int(a[1]), int(a[2])
            closing: int = _S.DEVICE_STATUS_CANCELED
            if number > 1:
                closing = previous.get(target_id, closing)
            finals.append(Final(target_id, number, closing, now_us))
        settled = await settle(tx, finals, policy)
    results: Results = [(int(a[3]), int(_S.DEVICE_STATUS_CANCELED)) for a in unsent]
    return settled.canceled, settled, results
