"""Applies a batch of normalized events inside one transaction: deduplicate, load the
attempts, run the state machine in Python, write everything back with a few ``executemany``.

Writes follow docs/data-ownership.md: attempts only ``WHERE is_final = 0`` (dispatch finalizes
attempts too), targets mirror their latest attempt only ``WHERE is_final = 0 AND
attempt_count = <attempt number>``, and an attempt that turns final gets its
``attempt_outcomes`` row in the same transaction. Two exceptions are documented in
docs/status.md: Mailgun's reason replaces the vendor detail of a (final) email attempt and of
its target, without touching any status column; and a vendor status that arrives after a
status deadline closed the attempt replaces the deadline's provisional status (``WHERE
provisional = 1``), keeps the deadline's status as history and hands the attempt to dispatch
again as a *revision* outcome (dispatch moves the target and the counters).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from smlog.domain import DEADLINE_CODE, STATUS_GROUPS
from smlog.services.status.events import Disposition, StatusEvent
from smlog.services.status.machine import AttemptState, step
from smlog.store import Transaction, chunked, in_marks, row_lock

__all__ = ["ApplyResult", "Outcome", "apply_events"]

_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class Outcome:
    attempt_id: int
    status: int
    status_time: int
    revision: bool = False  # replaces a status deadline's provisional status


@dataclass(slots=True)
class ApplyResult:
    dispositions: list[Disposition] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, disposition: Disposition) -> int:
        return sum(1 for d in self.dispositions if d == disposition)


async def _existing_keys(tx: Transaction, table: str, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunked(keys, _CHUNK):
        marks = in_marks(len(chunk))
        rows = await tx.fetch_all(
            f"SELECT event_key FROM {table} WHERE event_key IN ({marks})",  # noqa: S608
            tuple(chunk),
        )
        found.update(str(r[0]) for r in rows)
    return found


async def _load_attempts(tx: Transaction, ids: Sequence[int]) -> dict[int, AttemptState]:
    """The attempts' states, their rows locked until the commit (``row_lock``): another status
    instance applying events of the same attempt waits, then reads what this one wrote. Locks
    are taken in id order, so two instances never wait on each other in a cycle."""
    states: dict[int, AttemptState] = {}
    lock = row_lock(tx.dialect)
    for chunk in chunked(sorted(ids), _CHUNK):
        marks = in_marks(len(chunk))
        columns = "id, target_id, number, mode, status, status_time, is_final, vendor_code"
        sql = (
            f"SELECT {columns}, vendor_detail, provisional FROM attempts"  # noqa: S608
            f" WHERE id IN ({marks})"
            f" ORDER BY id{lock}"
        )
        rows = await tx.fetch_all(sql, tuple(chunk))
        for r in rows:
            states[int(r[0])] = AttemptState(
                attempt_id=int(r[0]),
                target_id=int(r[1]),
                number=int(r[2]),
                mode=int(r[3]),
                status=int(r[4]),
                status_time=int(r[5]),
                is_final=bool(r[6]),
                vendor_code=str(r[7]),
                vendor_detail=str(r[8]),
                provisional=bool(r[9]),
            )
    return states


async def apply_events(
    tx: Transaction, events: Sequence[StatusEvent], now: int, *, from_parked: bool = False
) -> ApplyResult:
    """Apply ``events`` in order. ``from_parked``: they come from ``parked_events`` (their keys
    are there already) and those applied are removed from it."""
    result = ApplyResult()
    # The attempts first: once their rows are locked, the event keys read next include those
    # another instance committed for them meanwhile (each statement sees the latest commit).
    states = await _load_attempts(tx, list(dict.fromkeys(e.attempt_id for e in events)))
    keys = list(dict.fromkeys(e.event_key for e in events))
    seen = await _existing_keys(tx, "attempt_events", keys)
    if not from_parked:
        seen |= await _existing_keys(tx, "parked_events", keys)
    history: list[tuple[object, ...]] = []
    parked: list[tuple[object, ...]] = []
    unparked: list[tuple[object, ...]] = []
    for event in events:
        state = states.get(event.attempt_id)
        if from_parked and state is not None:
            unparked.append((event.event_key,))
        if event.event_key in seen:
            result.dispositions.append(Disposition.DUPLICATE)
            continue
        seen.add(event.event_key)
        if state is None:
            result.dispositions.append(Disposition.PARKED)
            if not from_parked:
                parked.append(_parked_row(event, now))
            continue
        disposition = step(state, event)
        result.dispositions.append(disposition)
        if disposition != Disposition.REJECTED:
            changed = disposition == Disposition.APPLIED and event.status is not None
            history.append(_history_row(event, now, changed))
    # The deadline's status a late answer replaced is kept as history, before the answer.
    history[:0] = [_deadline_row(s, now) for s in states.values() if s.replaced_status]
    await _write(tx, states.values(), history, parked, unparked, result, now)
    return result


def _deadline_row(state: AttemptState, now: int) -> tuple[object, ...]:
    return (
        state.attempt_id,
        f"{DEADLINE_CODE}:{state.attempt_id}",
        state.replaced_status,
        state.replaced_time,
        now,
        DEADLINE_CODE,
        "no final status before the status deadline",
        DEADLINE_CODE,
        1,
    )


_HISTORY_COLUMNS = (
    "attempt_id", "event_key", "status", "event_time", "applied_time", "vendor_code",
    "vendor_detail", "source", "changed_status",
)  # fmt: skip


def _history_row(event: StatusEvent, now: int, changed: bool) -> tuple[object, ...]:
    return (
        event.attempt_id,
        event.event_key,
        event.status or 0,
        event.event_time,
        now,
        event.vendor_code,
        event.vendor_detail,
        event.source,
        int(changed),
    )


def _parked_row(event: StatusEvent, now: int) -> tuple[object, ...]:
    return (
        event.attempt_id,
        event.event_key,
        event.status or 0,
        event.event_time,
        event.vendor_code,
        event.vendor_detail,
        event.source,
        now,
    )


async def _write(
    tx: Transaction,
    states: Iterable[AttemptState],
    history: list[tuple[object, ...]],
    parked: list[tuple[object, ...]],
    unparked: list[tuple[object, ...]],
    result: ApplyResult,
    now: int,
) -> None:
    status_rows, target_rows, detail_rows, target_detail_rows, outcome_rows = [], [], [], [], []
    revised_rows, revision_rows = [], []
    for s in states:
        if s.revised:
            revised_rows.append(
                (
                    s.status,
                    s.status_time,
                    int(s.provisional),
                    s.vendor_code,
                    s.vendor_detail,
                    s.attempt_id,
                )
            )
            target_detail_rows.append((s.vendor_detail, s.target_id, s.number))
            revision_rows.append((s.attempt_id, s.status, s.status_time, now))
            result.outcomes.append(Outcome(s.attempt_id, s.status, s.status_time, True))
        elif s.status_changed:
            status_rows.append(
                (
                    s.status,
                    s.status_time,
                    int(s.is_final),
                    s.vendor_code,
                    s.vendor_detail,
                    s.attempt_id,
                )
            )
            target_rows.append(
                (
                    s.status,
                    STATUS_GROUPS.get(s.status, 0),
                    s.status_time,
                    s.vendor_detail,
                    s.target_id,
                    s.number,
                )
            )
        elif s.detail_changed:
            detail_rows.append((s.vendor_code, s.vendor_detail, s.attempt_id))
            target_detail_rows.append((s.vendor_detail, s.target_id, s.number))
        if s.became_final:
            outcome_rows.append((s.attempt_id, s.status, s.status_time, now))
            result.outcomes.append(Outcome(s.attempt_id, s.status, s.status_time))
    if history:  # COPY on PostgreSQL: one bulk write, not a statement per event
        await tx.copy_rows("attempt_events", _HISTORY_COLUMNS, history)
    if status_rows:
        tx.queue(
            "UPDATE attempts SET status = ?, status_time = ?, is_final = ?, vendor_code = ?,"
            " vendor_detail = ? WHERE id = ? AND is_final = 0",
            status_rows,
        )
        tx.queue(
            "UPDATE targets SET status = ?, status_group = ?, status_time = ?, vendor_detail = ?"
            " WHERE id = ? AND is_final = 0 AND attempt_count = ?",
            target_rows,
        )
    if revised_rows:
        tx.queue(
            "UPDATE attempts SET status = ?, status_time = ?, provisional = ?, vendor_code = ?,"
            " vendor_detail = ? WHERE id = ? AND provisional = 1",
            revised_rows,
        )
        # The attempt has an outcome row already when it is revised twice (a text's late Sent,
        # then its Delivered): the revision takes that row again, unconsumed.
        tx.queue(
            "INSERT INTO attempt_outcomes (attempt_id, status, status_time, applied_time,"
            " revision) VALUES (?, ?, ?, ?, 1) ON CONFLICT (attempt_id) DO UPDATE SET"
            " status = excluded.status, status_time = excluded.status_time,"
            " applied_time = excluded.applied_time, revision = 1, consumed = 0,"
            " consumed_time = NULL",
            revision_rows,
        )
    if detail_rows:
        tx.queue("UPDATE attempts SET vendor_code = ?, vendor_detail = ? WHERE id = ?", detail_rows)
    if target_detail_rows:
        tx.queue(
            "UPDATE targets SET vendor_detail = ? WHERE id = ? AND attempt_count = ?",
            target_detail_rows,
        )
    if outcome_rows:
        tx.queue(
            "INSERT INTO attempt_outcomes (attempt_id, status, status_time, applied_time)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (attempt_id) DO NOTHING",
            outcome_rows,
        )
    if parked:
        tx.queue(
            "INSERT INTO parked_events (attempt_id, event_key, status, event_time, vendor_code,"
            " vendor_detail, source, park_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (event_key) DO NOTHING",
            parked,
        )
    if unparked:
        tx.queue("DELETE FROM parked_events WHERE event_key = ?", unparked)
