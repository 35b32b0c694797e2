"""The pure decisions of dispatch, one table row per counting rule of docs/dispatch.md, and
their properties. No store, no gRPC, no vendor: these run in milliseconds."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smlog.services.dispatch.decisions import (
    Final,
    ModeCounts,
    Revision,
    StoredAttempt,
    TargetState,
    WaitingTarget,
    decide_cancel,
    decide_revise,
    decide_settle,
    expired_status,
    message_outcome,
)
from smlog.services.dispatch.policy import EMAIL, INBOX, MODES, TEXT, VOICE, DispatchPolicy
from smlog.v1.common_pb2 import DeviceStatus, MessageStatus

S = DeviceStatus
M = MessageStatus
WAIT = 300_000_000
POLICY = DispatchPolicy(redial_max_attempts=3, redial_wait_us=WAIT, deadline_us={})
T0 = 1_000_000


def target(mode: int = VOICE, attempts: int = 1, **changes: object) -> TargetState:
    base = TargetState(
        target_id=7,
        message_id=1,
        mode=mode,
        is_first_device=True,
        is_final=False,
        attempt_count=attempts,
        priority=2,
        message_canceled=False,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


# (rule, target, final attempt number, status, expected: "close"/"redial"/"skip",
#  counted group field or None, first attempt done)
SETTLE_RULES = [
    ("voice Busy with attempts left redials", target(), 1, S.DEVICE_STATUS_BUSY, "redial", None, 1),
    ("voice No Answer redials", target(), 1, S.DEVICE_STATUS_NO_ANSWER, "redial", None, 1),
    ("voice Failed redials", target(attempts=2), 2, S.DEVICE_STATUS_FAILED, "redial", None, 0),
    (
        "the last allowed attempt closes the device Busy (successful group)",
        target(attempts=3),
        3,
        S.DEVICE_STATUS_BUSY,
        "close",
        "successful",
        0,
    ),
    (
        "a canceled message does not redial",
        target(message_canceled=True),
        1,
        S.DEVICE_STATUS_BUSY,
        "close",
        "successful",
        1,
    ),
    ("text is never redialed", target(TEXT), 1, S.DEVICE_STATUS_FAILED, "close", "error", 1),
    (
        "voice Completed is successful",
        target(),
        1,
        S.DEVICE_STATUS_COMPLETED,
        "close",
        "successful",
        1,
    ),
    ("email Sent is successful", target(EMAIL), 1, S.DEVICE_STATUS_SENT, "close", "successful", 1),
    ("inbox Sent is successful", target(INBOX), 1, S.DEVICE_STATUS_SENT, "close", "successful", 1),
    ("Vendor Error is an error", target(), 1, S.DEVICE_STATUS_VENDOR_ERROR, "close", "error", 1),
    (
        "Opt-Out is successful (a suppressed contact)",
        target(TEXT),
        1,
        S.DEVICE_STATUS_OPT_OUT,
        "close",
        "successful",
        1,
    ),
    (
        "canceled before any attempt counts canceled and ends the first attempt",
        target(attempts=0),
        0,
        S.DEVICE_STATUS_CANCELED,
        "close",
        "canceled",
        1,
    ),
    (
        "a stopped redial keeps its last status",
        target(attempts=2),
        0,
        S.DEVICE_STATUS_BUSY,
        "close",
        "successful",
        0,
    ),
    (
        "a stale outcome of an older attempt is skipped",
        target(attempts=2),
        1,
        S.DEVICE_STATUS_COMPLETED,
        "skip",
        None,
        0,
    ),
    (
        "a final target is not settled twice",
        target(is_final=True),
        1,
        S.DEVICE_STATUS_COMPLETED,
        "skip",
        None,
        0,
    ),
    (
        "a device that is not the first does not end the first attempt",
        target(is_first_device=False),
        1,
        S.DEVICE_STATUS_COMPLETED,
        "close",
        "successful",
        0,
    ),
]


@pytest.mark.parametrize(
    ("rule", "state", "number", "status", "outcome", "counted", "first"),
    SETTLE_RULES,
    ids=[row[0] for row in SETTLE_RULES],
)
def test_settle_rule(
    rule: str,
    state: TargetState,
    number: int,
    status: int,
    outcome: str,
    counted: str | None,
    first: int,
) -> None:
    decision = decide_settle([Final(7, number, status, T0)], {7: state}, POLICY)
    if outcome == "skip":
        assert not decision.closes
        assert not decision.redials
        assert not decision.counts
        return
    counts = decision.counts[(1, state.mode)]
    assert counts.first_done == first
    assert (counts.first_time == T0) == bool(first)
    if outcome == "redial":
        assert [(r.status, r.due_us) for r in decision.redials] == [(status, T0 + WAIT)]
        assert not decision.closes
        assert not decision.closed_per_message
        assert (counts.successful, counts.error, counts.canceled) == (0, 0, 0)
        return
    assert [(c.target_id, c.status) for c in decision.closes] == [(7, status)]
    assert decision.closed_per_message == {1: 1}
    assert decision.last_time == {1: T0}
    tally = {"successful": counts.successful, "error": counts.error, "canceled": counts.canceled}
    assert tally == {k: int(k == counted) for k in tally}


def test_a_target_is_settled_once_per_batch() -> None:
    finals = [Final(7, 1, S.DEVICE_STATUS_COMPLETED, T0), Final(7, 1, S.DEVICE_STATUS_BUSY, 2)]
    decision = decide_settle(finals, {7: target()}, POLICY)
    assert [c.status for c in decision.closes] == [S.DEVICE_STATUS_COMPLETED]


def test_an_unknown_target_is_skipped() -> None:
    decision = decide_settle([Final(8, 1, S.DEVICE_STATUS_SENT, T0)], {7: target()}, POLICY)
    assert not decision.counts


OUTCOME_RULES = [
    ("canceled wins over errors", True, 2, 2, M.MESSAGE_STATUS_CANCELED),
    ("every device in the error group: Errored", False, 3, 3, M.MESSAGE_STATUS_ERRORED),
    ("one device not in error: Sent", False, 3, 2, M.MESSAGE_STATUS_SENT),
    ("no devices at all (every recipient No Device): Sent", False, 0, 0, M.MESSAGE_STATUS_SENT),
]


@pytest.mark.parametrize(
    ("rule", "canceled", "devices", "errors", "status"),
    OUTCOME_RULES,
    ids=[r[0] for r in OUTCOME_RULES],
)
def test_message_outcome(rule: str, canceled: bool, devices: int, errors: int, status: int) -> None:
    assert message_outcome(canceled, devices, errors) == status


EXPIRY_RULES = [
    (
        "voice without a final status: No Call Status",
        VOICE,
        S.DEVICE_STATUS_QUEUED,
        S.DEVICE_STATUS_NO_CALL_STATUS,
    ),
    (
        "text still queued: No Call Status",
        TEXT,
        S.DEVICE_STATUS_QUEUED,
        S.DEVICE_STATUS_NO_CALL_STATUS,
    ),
    ("text the carrier took: final Sent", TEXT, S.DEVICE_STATUS_SENT, S.DEVICE_STATUS_SENT),
    ("email: No Status", EMAIL, S.DEVICE_STATUS_IN_PROGRESS, S.DEVICE_STATUS_NO_STATUS),
    ("inbox: No Status", INBOX, S.DEVICE_STATUS_IN_PROGRESS, S.DEVICE_STATUS_NO_STATUS),
]


@pytest.mark.parametrize(
    ("rule", "mode", "status", "expired"), EXPIRY_RULES, ids=[r[0] for r in EXPIRY_RULES]
)
def test_expired_status(rule: str, mode: int, status: int, expired: int) -> None:
    assert expired_status(mode, status) == expired


CANCEL_RULES = [
    (
        "a target never attempted is Canceled",
        [WaitingTarget(1, 0, 0)],
        [],
        set(),
        {},
        [Final(1, 0, S.DEVICE_STATUS_CANCELED, T0)],
        [],
    ),
    (
        "a waiting redial keeps its last status",
        [WaitingTarget(1, 1, S.DEVICE_STATUS_BUSY)],
        [],
        set(),
        {},
        [Final(1, 0, S.DEVICE_STATUS_BUSY, T0)],
        [],
    ),
    (
        "a first attempt stored, not sent, is Canceled",
        [],
        [StoredAttempt(10, 1, 1, VOICE)],
        set(),
        {},
        [Final(1, 1, S.DEVICE_STATUS_CANCELED, T0)],
        [10],
    ),
    (
        "a stored redial is a stopped redial",
        [],
        [StoredAttempt(10, 1, 2, VOICE)],
        set(),
        {1: S.DEVICE_STATUS_NO_ANSWER},
        [Final(1, 2, S.DEVICE_STATUS_NO_ANSWER, T0)],
        [10],
    ),
    (
        "an attempt a worker is sending finishes on its own",
        [],
        [StoredAttempt(10, 1, 1, VOICE)],
        {10},
        {},
        [],
        [],
    ),
]


@pytest.mark.parametrize(
    ("rule", "waiting", "unsent", "in_flight", "previous", "finals", "canceled"),
    CANCEL_RULES,
    ids=[r[0] for r in CANCEL_RULES],
)
def test_cancel_rule(
    rule: str,
    waiting: list[WaitingTarget],
    unsent: list[StoredAttempt],
    in_flight: set[int],
    previous: dict[int, int],
    finals: list[Final],
    canceled: list[int],
) -> None:
    decision = decide_cancel(waiting, unsent, in_flight, previous, T0)
    assert decision.finals == finals
    assert [a.attempt_id for a in decision.canceled_attempts] == canceled


STATUSES = st.sampled_from([int(s) for s in S.values() if s != S.DEVICE_STATUS_UNSPECIFIED])
TARGETS = st.builds(
    TargetState,
    target_id=st.integers(1, 6),
    message_id=st.integers(1, 3),
    mode=st.sampled_from(MODES),
    is_first_device=st.booleans(),
    is_final=st.booleans(),
    attempt_count=st.integers(0, 4),
    priority=st.integers(0, 2),
    message_canceled=st.booleans(),
)
FINALS = st.builds(
    Final,
    target_id=st.integers(1, 6),
    attempt_number=st.integers(0, 4),
    status=STATUSES,
    time_us=st.integers(0, 10**12),
)


@given(st.lists(TARGETS, max_size=6), st.lists(FINALS, max_size=12))
def test_every_open_target_settles_at_most_once_and_counts_once(
    states: list[TargetState], finals: list[Final]
) -> None:
    targets = {t.target_id: t for t in states}
    decision = decide_settle(finals, targets, POLICY)
    settled = [c.target_id for c in decision.closes] + [r.target_id for r in decision.redials]
    assert len(settled) == len(set(settled))
    assert all(not targets[t].is_final for t in settled)
    counted = sum(c.successful + c.error + c.canceled for c in decision.counts.values())
    assert counted == len(decision.closes) == sum(decision.closed_per_message.values())
    assert all(
        r.due_us == r.time_us + WAIT and targets[r.target_id].mode == VOICE
        for r in decision.redials
    )
    assert all(not targets[r.target_id].message_canceled for r in decision.redials)


@given(
    st.lists(st.builds(WaitingTarget, st.integers(1, 50), st.integers(0, 3), STATUSES), max_size=5),
    st.lists(
        st.builds(
            StoredAttempt,
            st.integers(100, 150),
            st.integers(51, 99),
            st.integers(1, 3),
            st.sampled_from(MODES),
        ),
        max_size=5,
        unique_by=lambda a: a.attempt_id,
    ),
    st.sets(st.integers(100, 150)),
)
def test_a_cancel_closes_every_waiting_target_and_spares_what_is_sending(
    waiting: list[WaitingTarget], unsent: list[StoredAttempt], in_flight: set[int]
) -> None:
    decision = decide_cancel(waiting, unsent, in_flight, {}, T0)
    spared = {a.attempt_id for a in unsent if a.attempt_id in in_flight}
    assert {a.attempt_id for a in decision.canceled_attempts} == {
        a.attempt_id for a in unsent
    } - spared
    assert len(decision.finals) == len(waiting) + len(decision.canceled_attempts)
    assert all(f.time_us == T0 for f in decision.finals)


# A late vendor status replaces the deadline's: (rule, target, attempt number, status,
# expected: "revise"/"settle"/"skip", (successful, error, canceled) moved, first attempt
# recomputed).
NCS = S.DEVICE_STATUS_NO_CALL_STATUS


def closed_target(mode: int = VOICE, attempts: int = 1, **changes: object) -> TargetState:
    return target(mode, attempts, **{"is_final": True, "status": NCS, **changes})


REVISE_RULES = [
    ("a call's Completed: successful either way", closed_target(), 1, S.DEVICE_STATUS_COMPLETED,
     "revise", (0, 0, 0), True),
    ("a call's Failed moves the device to the errors", closed_target(), 1,
     S.DEVICE_STATUS_FAILED, "revise", (-1, 1, 0), True),
    ("a Busy with redials left closes Busy: no redial after the fact", closed_target(), 1,
     S.DEVICE_STATUS_BUSY, "revise", (0, 0, 0), True),
    ("a text's Undelivered after the deadline's Sent", closed_target(TEXT,
     status=S.DEVICE_STATUS_SENT), 1, S.DEVICE_STATUS_UNDELIVERED, "revise", (-1, 1, 0), True),
    ("a redial's late status does not touch First Attempt Duration", closed_target(attempts=2),
     2, S.DEVICE_STATUS_COMPLETED, "revise", (0, 0, 0), False),
    ("a device that is not the first", closed_target(is_first_device=False), 1,
     S.DEVICE_STATUS_FAILED, "revise", (-1, 1, 0), False),
    ("a late status of an older attempt is skipped", closed_target(attempts=2), 1,
     S.DEVICE_STATUS_FAILED, "skip", (0, 0, 0), False),
    ("a target never settled is settled as usual", target(), 1, S.DEVICE_STATUS_COMPLETED,
     "settle", (0, 0, 0), False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "state", "number", "status", "kind", "moved", "first"), REVISE_RULES
)
def test_revise_rules(
    rule: str,
    state: TargetState,
    number: int,
    status: int,
    kind: str,
    moved: tuple[int, int, int],
    first: bool,
) -> None:
    decision = decide_revise([Revision(7, number, status, T0)], {7: state})
    assert [c.status for c in decision.changes] == ([status] if kind == "revise" else []), rule
    assert [f.status for f in decision.unsettled] == ([status] if kind == "settle" else []), rule
    counts = decision.counts.get((1, state.mode), ModeCounts())
    assert (counts.successful, counts.error, counts.canceled) == moved, rule
    assert counts.first_done == 0, rule  # first_attempt_pending never moves again
    assert decision.first_attempts == ({(1, state.mode)} if first else set()), rule
    assert decision.messages == ({1} if kind == "revise" else set()), rule
    if kind == "revise":
        [change] = decision.changes
        assert change.time_us == T0, rule  # the vendor's time, not the deadline's


def test_a_target_is_revised_once_per_batch() -> None:
    decision = decide_revise(
        [Revision(7, 1, S.DEVICE_STATUS_FAILED, T0), Revision(7, 1, S.DEVICE_STATUS_BUSY, T0)],
        {7: closed_target()},
    )
    assert [c.status for c in decision.changes] == [S.DEVICE_STATUS_FAILED]
    assert decision.counts[(1, VOICE)] == ModeCounts(successful=-1, error=1)
