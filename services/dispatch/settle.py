"""Settle: final outcomes become a target's final status or its redial, and the counters.

Dispatch is the only writer of the counters (docs/data-ownership.md). Every change to them
goes through ``settle`` inside the caller's transaction, in batches: the targets are read,
``decisions.decide_settle`` decides (final or redial, counted by group, first attempts), and
the decision is written here:

- a final status counts the target once in successful / error / canceled of its mode;
- a voice Busy / No Answer / Failed with attempts left schedules a redial instead;
- the first attempt of a recipient's first device (``is_first_device``) reaching any final
  status (or the device being canceled before any attempt) lowers ``first_attempt_pending``;
  at 0 the mode's ``first_attempt_end_time`` is set;
- ``messages.pending_targets`` drops per final target; at 0 the message ends
  (``decisions.message_outcome``: Canceled, Errored or Sent).

``drain_outcomes`` feeds it the final statuses the status service wrote to its outbox; an
outbox row marked ``revision`` is a vendor status that replaced a status deadline's provisional
one, and ``revise`` moves the target and the counters to it (``decisions.decide_revise``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from smlog.clock import now_us as wall_clock_us
from smlog.services.dispatch.decisions import (
    Final,
    ReviseDecision,
    Revision,
    SettleDecision,
    TargetState,
    decide_revise,
    decide_settle,
    message_outcome,
)
from smlog.services.dispatch.policy import OPEN_MESSAGE, DispatchPolicy
from smlog.services.dispatch.wakeups import progressed
from smlog.store import Database, Transaction, fetch_in, queue_in, row_lock

__all__ = ["Completed", "Settled", "drain_outcomes", "revise", "settle"]


@dataclass(frozen=True, slots=True)
class Completed:
    message_id: int
    status: int
    priority: int
    duration_us: int


@dataclass
class Settled:
    """What one stage's transaction did, for metrics and for waking the scheduler (redials):
    one result type for every stage."""

    finalized: int = 0
    redials: int = 0
    canceled: int = 0
    completed: list[Completed] = field(default_factory=list)
    first_attempts_done: list[tuple[int, int]] = field(default_factory=list)  # (mode, us)
    attempts_final: list[tuple[int, int]] = field(default_factory=list)  # (mode, status)
    revised: list[int] = field(default_factory=list)  # mode of each target a late status revised
    settle_lags_us: list[int] = field(default_factory=list)  # outcome applied -> counted here


_TARGETS = (
    "SELECT t.id, t.message_id, t.mode, t.is_first_device, t.is_final, t.attempt_count,"
    " t.priority, t.status, m.cancel_time IS NOT NULL AS canceled"
    " FROM targets t JOIN messages m ON m.id = t.message_id WHERE t.id IN ({marks})"
    " ORDER BY t.id"
)
_COMPLETE = (
    "SELECT m.id, m.sent_time, m.cancel_time IS NOT NULL AS canceled,"
    " COALESCE(SUM(s.total_devices), 0) AS devices, COALESCE(SUM(s.total_error), 0) AS errors"
    " FROM messages m LEFT JOIN message_mode_stats s ON s.message_id = m.id"
    " WHERE m.id IN ({marks}) AND m.pending_targets <= 0 AND m.status = ? GROUP BY m.id"
)


async def _targets(tx: Transaction, ids: list[int]) -> dict[int, TargetState]:
    # Locked (PostgreSQL), in id order: two workers settling the same target (an outcome and
    # its deadline, say) take turns, and the second sees it final and skips it.
    rows = await fetch_in(tx, _TARGETS + row_lock(tx.dialect, of="t"), ids)
    return {
        int(r["id"]): TargetState(
            target_id=int(r["id"]),
            message_id=int(r["message_id"]),
            mode=int(r["mode"]),
            is_first_device=bool(r["is_first_device"]),
            is_final=bool(r["is_final"]),
            attempt_count=int(r["attempt_count"]),
            priority=int(r["priority"]),
            message_canceled=bool(r["canceled"]),
            status=int(r["status"]),
        )
        for r in rows
    }


async def settle(tx: Transaction, finals: Sequence[Final], policy: DispatchPolicy) -> Settled:
    """Apply ``finals`` (stale ones, for an older attempt or a final target, are skipped)."""
    result = Settled()
    if not finals:
        return result
    targets = await _targets(tx, sorted({f.target_id for f in finals}))
    decision = decide_settle(finals, targets, policy)
    if decision.closes:
        tx.queue(
            "UPDATE targets SET status = ?, status_group = ?, status_time = ?, is_final = 1,"
            " next_attempt_time = NULL WHERE id = ?",
            [(c.status, c.group, c.time_us, c.target_id) for c in decision.closes],
        )
    if decision.redials:
        tx.queue(
            "UPDATE targets SET status = ?, status_group = ?, status_time = ?,"
            " next_attempt_time = ? WHERE id = ?",
            [(r.status, r.group, r.time_us, r.due_us, r.target_id) for r in decision.redials],
        )
    await _count(tx, decision, result)
    progressed(tx, [m for m, _ in decision.counts] + list(decision.closed_per_message))
    if decision.closed_per_message:
        tx.queue(
            "UPDATE messages SET pending_targets = pending_targets - ? WHERE id = ?",
            [(n, message_id) for message_id, n in sorted(decision.closed_per_message.items())],
        )
        await _complete(tx, decision, result)
    result.finalized = len(decision.closes)
    result.redials = len(decision.redials)
    result.canceled = decision.canceled
    return result


async def _count(tx: Transaction, decision: SettleDecision, result: Settled) -> None:
    if not decision.counts:
        return
    tx.queue(
        "UPDATE message_mode_stats SET total_successful = total_successful + ?,"
        " total_error = total_error + ?, total_canceled = total_canceled + ?,"
        " first_attempt_pending = first_attempt_pending - ? WHERE message_id = ? AND mode = ?",
        [
            (c.successful, c.error, c.canceled, c.first_done, m, mode)
            # In key order: workers updating the same rows never wait on each other in a cycle.
            for (m, mode), c in sorted(decision.counts.items())
        ],
    )
    firsts = [(c.first_time, m, mode) for (m, mode), c in decision.counts.items() if c.first_done]
    for first_time, message_id, mode in firsts:
        # Only the batch that settles a mode's last first attempt sets its end: the counter
        # row says whether this is it, before the mode's first attempts are read for the end.
        counted = await tx.fetch_one(
            "SELECT first_attempt_pending, first_attempt_end_time FROM message_mode_stats"
            " WHERE message_id = ? AND mode = ?",
            (message_id, mode),
        )
        if counted is None or int(counted[0]) > 0 or counted[1] is not None:
            continue
        # The end is the latest first-attempt final of the mode, not of this batch: vendor
        # event times arrive out of order (a delayed callback settles after a later deadline).
        latest = await tx.fetch_one(
            "SELECT MAX(COALESCE(a.status_time, t.status_time)) AS latest FROM targets t"
            " LEFT JOIN attempts a ON a.target_id = t.id AND a.number = 1"
            " WHERE t.message_id = ? AND t.mode = ? AND t.is_first_device = 1",
            (message_id, mode),
        )
        end_time = max(first_time, int((latest and latest["latest"]) or 0))
        changed = await tx.execute(
            "UPDATE message_mode_stats SET first_attempt_end_time = ? WHERE message_id = ?"
            " AND mode = ? AND first_attempt_pending <= 0 AND first_attempt_end_time IS NULL",
            (end_time, message_id, mode),
        )
        if changed:
            row = await tx.fetch_one(
                "SELECT first_attempt_end_time - sent_time AS took FROM message_mode_stats s"
                " JOIN messages m ON m.id = s.message_id WHERE s.message_id = ? AND s.mode = ?",
                (message_id, mode),
            )
            if row is not None and row["took"] is not None:
                result.first_attempts_done.append((mode, max(int(row["took"]), 0)))


async def _complete(tx: Transaction, decision: SettleDecision, result: Settled) -> None:
    last_time = decision.last_time
    rows = await fetch_in(tx, _COMPLETE, list(last_time), after=(OPEN_MESSAGE,))
    for row in rows:
        message_id, sent_time = int(row["id"]), int(row["sent_time"] or 0)
        status = message_outcome(bool(row["canceled"]), int(row["devices"]), int(row["errors"]))
        # The last device final of the whole message, not of this batch (out-of-order times).
        latest = await tx.fetch_one(
            "SELECT MAX(status_time) AS latest FROM targets WHERE message_id = ?", (message_id,)
        )
        end_time = max(last_time[message_id], sent_time, int((latest and latest["latest"]) or 0))
        await tx.execute(
            "UPDATE messages SET status = ?, end_time = ? WHERE id = ? AND status = ?",
            (status, end_time, message_id, OPEN_MESSAGE),
        )
        priority = decision.priorities.get(message_id, 2)
        result.completed.append(Completed(message_id, status, priority, end_time - sent_time))


async def revise(tx: Transaction, revisions: Sequence[Revision], policy: DispatchPolicy) -> Settled:
    """Apply late vendor statuses that replaced a status deadline's (see ``decide_revise``)."""
    if not revisions:
        return Settled()
    targets = await _targets(tx, sorted({r.target_id for r in revisions}))
    decision = decide_revise(revisions, targets)
    result = await settle(tx, decision.unsettled, policy)
    if decision.changes:
        tx.queue(
            "UPDATE targets SET status = ?, status_group = ?, status_time = ? WHERE id = ?",
            [(c.status, c.group, c.time_us, c.target_id) for c in decision.changes],
        )
        modes = {t.target_id: t.mode for t in targets.values()}
        result.revised = [modes[c.target_id] for c in decision.changes]
    if decision.counts:
        tx.queue(
            "UPDATE message_mode_stats SET total_successful = total_successful + ?,"
            " total_error = total_error + ?, total_canceled = total_canceled + ?"
            " WHERE message_id = ? AND mode = ?",
            [
                (c.successful, c.error, c.canceled, m, mode)
                for (m, mode), c in decision.counts.items()
            ],
        )
    await _recompute(tx, decision)
    return result


async def _recompute(tx: Transaction, decision: ReviseDecision) -> None:
    """First Attempt Duration and the finished message's status and end, from the rows as the
    revision left them: the real status's time replaces the deadline's."""
    if not decision.changes:
        return
    for message_id, mode in sorted(decision.first_attempts):
        ended = await tx.fetch_one(
            "SELECT first_attempt_end_time FROM message_mode_stats WHERE message_id = ?"
            " AND mode = ?",
            (message_id, mode),
        )
        if ended is None or ended[0] is None:
            continue  # first attempts still outstanding: the end is set when they complete
        latest = await tx.fetch_one(
            "SELECT MAX(COALESCE(a.status_time, t.status_time)) AS latest FROM targets t"
            " LEFT JOIN attempts a ON a.target_id = t.id AND a.number = 1"
            " WHERE t.message_id = ? AND t.mode = ? AND t.is_first_device = 1",
            (message_id, mode),
        )
        if latest is not None and latest["latest"] is not None:
            await tx.execute(
                "UPDATE message_mode_stats SET first_attempt_end_time = ? WHERE message_id = ?"
                " AND mode = ? AND first_attempt_end_time IS NOT NULL",
                (int(latest["latest"]), message_id, mode),
            )
    rows = await fetch_in(
        tx,
        "SELECT m.id, m.sent_time, m.cancel_time IS NOT NULL AS canceled,"
        " COALESCE(SUM(s.total_devices), 0) AS devices, COALESCE(SUM(s.total_error), 0) AS errors"
        " FROM messages m LEFT JOIN message_mode_stats s ON s.message_id = m.id"
        " WHERE m.id IN ({marks}) AND m.status <> ? GROUP BY m.id",
        sorted(decision.messages),
        after=(OPEN_MESSAGE,),
    )
    for row in rows:
        message_id, sent_time = int(row["id"]), int(row["sent_time"] or 0)
        status = message_outcome(bool(row["canceled"]), int(row["devices"]), int(row["errors"]))
        latest = await tx.fetch_one(
            "SELECT MAX(status_time) AS latest FROM targets WHERE message_id = ?", (message_id,)
        )
        end_time = max(sent_time, int((latest and latest["latest"]) or 0))
        await tx.execute(
            "UPDATE messages SET status = ?, end_time = ? WHERE id = ? AND status <> ?",
            (status, end_time, message_id, OPEN_MESSAGE),
        )


async def drain_outcomes(
    db: Database,
    policy: DispatchPolicy,
    limit: int,
    held: Collection[int] = (),
    *,
    worker: str = "",
    now_us: int = 0,
) -> tuple[int, Settled, int]:
    """Consume up to ``limit`` unconsumed rows of ``attempt_outcomes`` (the status service's
    outbox): the target of each final attempt is settled (redial, final, counters). An empty
    outbox is seen on a reader, without taking the write lock status needs.

    Outcomes of ``held`` attempts (sent, their vendor answer not yet written) stay in the
    outbox for a later drain, and are counted in the last value returned (the first is the
    rows consumed): a callback can
    overtake the vendor's answer, and settling it first could close the message while its
    attempts still lack their vendor reference. With several workers (PostgreSQL), the rows
    are claimed with ``FOR UPDATE SKIP LOCKED``, so each outcome is settled by one worker,
    once; an attempt another worker (not ``worker``) holds unanswered under a live lease (at
    ``now_us``) is held back the same way."""
    if await db.fetch_one("SELECT 1 FROM attempt_outcomes WHERE consumed = 0 LIMIT 1") is None:
        return 0, Settled(), 0
    async with db.transaction() as tx:
        found = await tx.fetch_all(
            "SELECT o.attempt_id, o.status, o.status_time, o.revision, o.applied_time,"  # noqa: S608
            " a.target_id, a.number, a.mode,"
            " CASE WHEN a.request_time IS NULL AND a.lease_until >= ? AND a.claimed_by <> ?"
            " THEN 1 ELSE 0 END AS elsewhere"
            " FROM attempt_outcomes o LEFT JOIN attempts a ON a.id = o.attempt_id"
            " WHERE o.consumed = 0 ORDER BY o.attempt_id LIMIT ?"
            + row_lock(tx.dialect, skip_locked=True, of="o"),
            (now_us, worker, limit),
        )
        rows = [
            r
            for r in found
            if int(r["attempt_id"]) not in held and not (worker and int(r["elsewhere"] or 0))
        ]
        skipped = len(found) - len(rows)
        if not rows:
            return 0, Settled(), skipped
        known = [r for r in rows if r["target_id"] is not None and not r["revision"]]
        finals = [
            Final(int(r["target_id"]), int(r["number"]), int(r["status"]), int(r["status_time"]))
            for r in known
        ]
        settled = await settle(tx, finals, policy)
        settled.attempts_final = [(int(r["mode"]), int(r["status"])) for r in known]
        revisions = [
            Revision(int(r["target_id"]), int(r["number"]), int(r["status"]), int(r["status_time"]))
            for r in rows
            if r["target_id"] is not None and r["revision"]
        ]
        if revisions:
            revised = await revise(tx, revisions, policy)
            settled.revised = revised.revised
            settled.finalized += revised.finalized
            settled.redials += revised.redials
            settled.completed += revised.completed
            settled.first_attempts_done += revised.first_attempts_done
        consumed = wall_clock_us()
        settled.settle_lags_us = [
            consumed - int(r["applied_time"]) for r in rows if r["applied_time"] is not None
        ]
        queue_in(
            tx,
            "UPDATE attempt_outcomes SET consumed = 1, consumed_time = ?"
            " WHERE attempt_id IN ({marks})",
            sorted(int(r["attempt_id"]) for r in rows),
            before=(consumed,),
        )
    return len(rows), settled, skipped
