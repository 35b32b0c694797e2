"""The forward-only state machine: any arrival order, with duplicates, ends in the same
state — status, final flag, vendor detail, history, outcomes — and the same counters. A
status deadline's provisional final status gives way to a vendor status that comes later;
every other pair of statuses keeps the forward-only guarantees."""

from __future__ import annotations

import asyncio
import itertools
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smlog.config import Settings
from smlog.domain import (
    DEADLINE_CODE,
    STATUS_GROUPS,
    VENDOR_STATUSES,
    is_final,
    replaces_deadline,
    status_rank,
)
from smlog.services.status.applier import apply_events
from smlog.services.status.events import Disposition, StatusEvent
from smlog.services.status.machine import AttemptState, step
from smlog.store import open_database
from smlog.v1.common_pb2 import DeliveryMode
from smlog.v1.common_pb2 import DeviceStatus as S
from tests.status import sequences
from tests.status.helpers import add_attempts
from tests.support.builders import add_district

QUEUED = S.DEVICE_STATUS_QUEUED


def _fresh(attempt_id: int, mode: int) -> AttemptState:
    return AttemptState(attempt_id, attempt_id, 1, mode, QUEUED, 0, False, "", "")


def _deadline(mode: int) -> int:
    """What a status deadline gives an attempt nothing was heard of (dispatch's rule)."""
    return S.DEVICE_STATUS_NO_STATUS if mode == sequences.EMAIL else S.DEVICE_STATUS_NO_CALL_STATUS


def _closed_by_deadline(attempt_id: int, mode: int) -> AttemptState:
    return AttemptState(
        attempt_id, attempt_id, 1, mode, _deadline(mode), 5, True, DEADLINE_CODE, "", True
    )


def _run(
    modes: dict[int, int], arrivals: list[StatusEvent], closed: frozenset[int] = frozenset()
) -> tuple[dict[int, tuple[object, ...]], Counter[str], set[str], set[int]]:
    states = {
        a: _closed_by_deadline(a, m) if a in closed else _fresh(a, m) for a, m in modes.items()
    }
    seen: set[str] = set()
    counters: Counter[str] = Counter()
    outcomes: set[int] = set()
    for event in arrivals:
        if event.event_key in seen:
            counters["duplicates"] += 1
            continue
        seen.add(event.event_key)
        counters["history"] += 1
        state = states[event.attempt_id]
        if step(state, event) == Disposition.APPLIED and (state.became_final or state.revised):
            outcomes.add(state.attempt_id)
    return {a: _view(s) for a, s in states.items()}, counters, seen, outcomes


def _view(s: AttemptState) -> tuple[object, ...]:
    settled = status_rank(s.status) >= 2
    return (
        s.status,
        s.is_final,
        s.provisional,
        s.status_time if settled else None,
        s.vendor_detail
        if settled
        or s.vendor_detail.startswith(("delivered", "opened", "clicked", "failed", "complained"))
        else None,
    )


@st.composite
def scenario(draw: st.DrawFn) -> tuple[dict[int, int], list[StatusEvent], list[StatusEvent]]:
    plan = draw(sequences.plans)
    modes: dict[int, int] = {}
    events: list[StatusEvent] = []
    for attempt_id, (mode, codes) in enumerate(plan, start=1):
        modes[attempt_id] = mode
        events += sequences.attempt_events(mode, codes, attempt_id, "e")
    return modes, events, draw(sequences.arrivals(events))


@settings(max_examples=400, deadline=None)
@given(scenario())
def test_arrival_order_and_duplicates_do_not_matter(
    case: tuple[dict[int, int], list[StatusEvent], list[StatusEvent]],
) -> None:
    modes, in_order, shuffled = case
    expected, expected_counts, expected_keys, expected_outcomes = _run(modes, in_order)
    got, counts, keys, outcomes = _run(modes, shuffled)
    assert got == expected
    assert keys == expected_keys
    assert outcomes == expected_outcomes
    assert counts["history"] == expected_counts["history"]
    assert counts["duplicates"] == len(shuffled) - len(in_order)


@settings(max_examples=300, deadline=None)
@given(scenario(), st.data())
def test_after_a_deadline_arrival_order_and_duplicates_do_not_matter(
    case: tuple[dict[int, int], list[StatusEvent], list[StatusEvent]], data: st.DataObject
) -> None:
    """Attempts a deadline closed take their vendor's late answers in any order, and end in
    the state the in-order delivery gives."""
    modes, in_order, shuffled = case
    closed = frozenset(data.draw(st.sets(st.sampled_from(sorted(modes)))))
    expected, expected_counts, expected_keys, expected_outcomes = _run(modes, in_order, closed)
    got, counts, keys, outcomes = _run(modes, shuffled, closed)
    assert got == expected
    assert keys == expected_keys
    assert outcomes == expected_outcomes
    assert counts["history"] == expected_counts["history"]


_MODES = (sequences.VOICE, sequences.TEXT, sequences.EMAIL, DeliveryMode.DELIVERY_MODE_INBOX)


def _every_pair() -> list[tuple[int, int, bool, int]]:
    """(mode, status held, closed by a deadline, status of the event) for every status pair
    of every mode: an attempt not final holds any status; a final one any final status."""
    cases = []
    for mode in _MODES:
        for held in STATUS_GROUPS:
            for provisional in (False, True):
                final = is_final(held, mode) or (provisional and held == S.DEVICE_STATUS_SENT)
                if provisional and not final:
                    continue
                cases += [(mode, held, provisional, new) for new in STATUS_GROUPS]
    return cases


def test_every_pair_of_statuses_keeps_its_guarantees() -> None:
    cases = _every_pair()
    assert len(cases) > 2000
    for case in cases:
        _check_pair(*case)


def _check_pair(mode: int, held: int, provisional: bool, new: int) -> None:
    final = is_final(held, mode) or provisional
    state = AttemptState(1, 1, 1, mode, held, 5, final, "", "", provisional)
    disposition = step(state, StatusEvent("k", 1, new, 10, "c", "d", "test"))
    moved = state.status != held
    if not final:
        # Forward only: a status moves to a higher rank, never back or sideways.
        assert moved == (status_rank(new) > status_rank(held))
        assert state.is_final == (is_final(new, mode) if moved else False)
        assert not state.revised
        assert state.became_final == state.is_final
    elif not provisional:
        assert not moved
        assert disposition == Disposition.STALE
    else:
        # Only a vendor's status replaces a deadline's, and the attempt stays final.
        assert moved == replaces_deadline(held, new, mode)
        assert not moved or new in VENDOR_STATUSES
        assert state.is_final
        assert not state.became_final
        assert state.revised == moved
        assert state.provisional == (not moved or not is_final(new, mode))
    assert disposition == (Disposition.APPLIED if moved else Disposition.STALE)
    assert state.status_time == (10 if moved else 5)


# (rule, mode, deadline status, vendor status, replaces)
DEADLINE_RULES = [
    ("a call's real outcome", sequences.VOICE, S.DEVICE_STATUS_NO_CALL_STATUS,
     S.DEVICE_STATUS_COMPLETED, True),
    ("a call's Busy (no redial follows)", sequences.VOICE, S.DEVICE_STATUS_NO_CALL_STATUS,
     S.DEVICE_STATUS_BUSY, True),
    ("a call's Failed (an error now)", sequences.VOICE, S.DEVICE_STATUS_NO_CALL_STATUS,
     S.DEVICE_STATUS_FAILED, True),
    ("a pending status is no answer", sequences.VOICE, S.DEVICE_STATUS_NO_CALL_STATUS,
     S.DEVICE_STATUS_IN_PROGRESS, False),
    ("the carrier's delivery of a text left Sent", sequences.TEXT, S.DEVICE_STATUS_SENT,
     S.DEVICE_STATUS_DELIVERED, True),
    ("the carrier's refusal of a text left Sent", sequences.TEXT, S.DEVICE_STATUS_SENT,
     S.DEVICE_STATUS_UNDELIVERED, True),
    ("a text's Sent over No Call Status (still provisional)", sequences.TEXT,
     S.DEVICE_STATUS_NO_CALL_STATUS, S.DEVICE_STATUS_SENT, True),
    ("the same status again changes nothing", sequences.TEXT, S.DEVICE_STATUS_SENT,
     S.DEVICE_STATUS_SENT, False),
    ("a status dispatch decides is no vendor answer", sequences.VOICE,
     S.DEVICE_STATUS_NO_CALL_STATUS, S.DEVICE_STATUS_VENDOR_ERROR, False),
    ("a cancel is no vendor answer", sequences.VOICE, S.DEVICE_STATUS_NO_CALL_STATUS,
     S.DEVICE_STATUS_CANCELED, False),
    ("an email's No Status gives way to a Sent ingested over gRPC (Mailgun sends none)",
     sequences.EMAIL, S.DEVICE_STATUS_NO_STATUS, S.DEVICE_STATUS_SENT, True),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "mode", "held", "new", "replaces"), DEADLINE_RULES)
def test_what_replaces_a_deadline(
    rule: str, mode: int, held: int, new: int, replaces: bool
) -> None:
    assert replaces_deadline(held, new, mode) == replaces, rule


def test_a_text_revised_twice_keeps_the_deadline_once_and_ends_delivered() -> None:
    state = _closed_by_deadline(1, sequences.TEXT)
    sent = StatusEvent("a", 1, S.DEVICE_STATUS_SENT, 10, "sent", "", "voxology-sms")
    delivered = StatusEvent("b", 1, S.DEVICE_STATUS_DELIVERED, 20, "delivered", "", "voxology-sms")
    assert step(state, sent) == Disposition.APPLIED
    assert (state.status, state.is_final, state.provisional) == (S.DEVICE_STATUS_SENT, True, True)
    assert (state.replaced_status, state.replaced_time) == (S.DEVICE_STATUS_NO_CALL_STATUS, 5)
    assert step(state, delivered) == Disposition.APPLIED
    assert (state.status, state.provisional) == (S.DEVICE_STATUS_DELIVERED, False)
    assert state.replaced_status == S.DEVICE_STATUS_NO_CALL_STATUS
    late = StatusEvent("c", 1, S.DEVICE_STATUS_UNDELIVERED, 30, "undelivered", "", "voxology-sms")
    assert step(state, late) == Disposition.STALE  # the real final status is frozen


def test_a_final_status_is_frozen() -> None:
    state = _fresh(1, sequences.VOICE)
    done = StatusEvent("a", 1, S.DEVICE_STATUS_BUSY, 10, "busy", "", "voxology-call")
    late = StatusEvent("b", 1, S.DEVICE_STATUS_COMPLETED, 20, "completed", "", "voxology-call")
    assert step(state, done) == Disposition.APPLIED
    assert step(state, late) == Disposition.STALE
    assert state.status == S.DEVICE_STATUS_BUSY


def test_text_sent_is_provisional_until_delivered() -> None:
    state = _fresh(1, sequences.TEXT)
    step(state, StatusEvent("a", 1, S.DEVICE_STATUS_SENT, 10, "sent", "", "voxology-sms"))
    assert not state.is_final
    step(state, StatusEvent("b", 1, S.DEVICE_STATUS_DELIVERED, 20, "delivered", "", "voxology-sms"))
    assert state.is_final
    assert state.status == S.DEVICE_STATUS_DELIVERED


def test_an_event_for_another_mode_is_rejected() -> None:
    state = _fresh(1, sequences.EMAIL)
    event = StatusEvent(
        "a", 1, S.DEVICE_STATUS_BUSY, 10, "busy", "", "voxology-call", mode=sequences.VOICE
    )
    assert step(state, event) == Disposition.REJECTED
    assert state.status == QUEUED


# The same property through the store: random batch boundaries, one transaction per batch.


async def _store_state(db: object, attempt_ids: list[int]) -> list[tuple[object, ...]]:
    rows = []
    for attempt_id in attempt_ids:
        a = await db.fetch_one(  # type: ignore[attr-defined]
            "SELECT status, is_final, status_time, vendor_detail FROM attempts WHERE id = ?",
            (attempt_id,),
        )
        t = await db.fetch_one(  # type: ignore[attr-defined]
            "SELECT t.status, t.vendor_detail FROM targets t JOIN attempts a ON a.target_id = t.id"
            " WHERE a.id = ?",
            (attempt_id,),
        )
        history = await db.fetch_one(  # type: ignore[attr-defined]
            "SELECT count(*) FROM attempt_events WHERE attempt_id = ?", (attempt_id,)
        )
        outcome = await db.fetch_one(  # type: ignore[attr-defined]
            "SELECT status FROM attempt_outcomes WHERE attempt_id = ?", (attempt_id,)
        )
        settled = status_rank(int(a[0])) >= 2
        rows.append(
            (
                a[0],
                a[1],
                a[2] if settled else None,
                a[3] if settled or a[3] else None,
                t[0],
                history[0],
                None if outcome is None else outcome[0],
            )
        )
    return rows


async def _apply_both(
    modes: dict[int, int], in_order: list[StatusEvent], shuffled: list[StatusEvent], cuts: list[int]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = await open_database(Settings(db_path=str(Path(tmp) / "p.db")))
        try:
            await add_district(db)
            ids_a, ids_b = {}, {}
            for attempt_id, mode in modes.items():
                ids_a[attempt_id] = (await add_attempts(db, mode))[0]
                ids_b[attempt_id] = (await add_attempts(db, mode))[0]
            reference = sequences.with_attempt(in_order, ids_a)
            async with db.transaction() as tx:
                await apply_events(tx, reference, 1)
            shuffled = [
                replace(e, event_key="b" + e.event_key)
                for e in sequences.with_attempt(shuffled, ids_b)
            ]
            bounds = sorted({min(c, len(shuffled)) for c in cuts} | {0, len(shuffled)})
            duplicates = 0
            for lo, hi in itertools.pairwise(bounds):
                async with db.transaction() as tx:
                    result = await apply_events(tx, shuffled[lo:hi], 1)
                duplicates += result.count(Disposition.DUPLICATE)
            assert duplicates == len(shuffled) - len(in_order)
            assert await _store_state(db, list(ids_b.values())) == await _store_state(
                db, list(ids_a.values())
            )
        finally:
            await db.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario(), st.lists(st.integers(min_value=0, max_value=40), max_size=4))
def test_store_applies_any_order_in_any_batches_to_the_same_state(
    case: tuple[dict[int, int], list[StatusEvent], list[StatusEvent]], cuts: list[int]
) -> None:
    modes, in_order, shuffled = case
    asyncio.run(_apply_both(modes, in_order, shuffled, cuts))
