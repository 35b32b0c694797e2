"""The pure core of dispatch: what settling, a cancel and a status deadline decide.

Each function takes plain values (rows already read, the policy, the time) and returns a
decision; the stage modules read the rows, call these, and apply the decision in one
transaction. Nothing here touches the store, the clock or a vendor, so every counting rule of
docs/statuses.md and docs/dispatch.md ("Flow", "Counters") has a direct table-driven test
(``tests/dispatch/test_decisions.py``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from smlog.domain import status_group
from smlog.services.dispatch.policy import EMAIL, INBOX, TEXT, DispatchPolicy
from smlog.v1.common_pb2 import DeviceStatus, MessageStatus, StatusGroup

__all__ = [
    "CancelDecision",
    "Close",
    "Final",
    "ModeCounts",
    "Redial",
    "ReviseDecision",
    "Revision",
    "SettleDecision",
    "StoredAttempt",
    "TargetState",
    "WaitingTarget",
    "decide_cancel",
    "decide_revise",
    "decide_settle",
    "expired_status",
    "message_outcome",
]

_S = DeviceStatus


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
class TargetState:
    """What settling needs to know of a target and its message."""

    target_id: int
    message_id: int
    mode: int
    is_first_device: bool
    is_final: bool
    attempt_count: int
    priority: int
    message_canceled: bool
    status: int = 0  # its status now (the deadline's, for a revision)


@dataclass(frozen=True, slots=True)
class Close:
    """The target is final with ``status``."""

    target_id: int
    status: int
    group: int
    time_us: int


@dataclass(frozen=True, slots=True)
class Redial:
    """The target takes ``status`` for now and is called again at ``due_us``."""

    target_id: int
    status: int
    group: int
    time_us: int
    due_us: int


@dataclass
class ModeCounts:
    """What one settle adds to the counters of one (message, mode)."""

    successful: int = 0
    error: int = 0
    canceled: int = 0
    first_done: int = 0  # first attempts of first devices that are final now
    first_time: int = 0  # the latest of their times


@dataclass
class SettleDecision:
    closes: list[Close] = field(default_factory=list)
    redials: list[Redial] = field(default_factory=list)
    counts: dict[tuple[int, int], ModeCounts] = field(default_factory=dict)  # (message, mode)
    closed_per_message: dict[int, int] = field(default_factory=dict)  # pending_targets drop
    last_time: dict[int, int] = field(default_factory=dict)  # latest close per message
    priorities: dict[int, int] = field(default_factory=dict)

    @property
    def canceled(self) -> int:
        return sum(c.canceled for c in self.counts.values())


def decide_settle(
    finals: Sequence[Final], targets: Mapping[int, TargetState], policy: DispatchPolicy
) -> SettleDecision:
    """How ``finals`` settle their targets. A final is skipped when its target is unknown,
    already final, already settled earlier in ``finals``, or the final is of an older
    attempt (stale). A voice Busy / No Answer / Failed with attempts left redials unless the
    message was canceled; anything else closes the target, counted once by its group."""
    decision = SettleDecision()
    done: set[int] = set()
    for final in finals:
        target = targets.get(final.target_id)
        if target is None or final.target_id in done or target.is_final:
            continue
        if final.attempt_number not in (0, target.attempt_count):
            continue
        done.add(final.target_id)
        message_id = target.message_id
        decision.priorities[message_id] = target.priority
        counts = decision.counts.setdefault((message_id, target.mode), ModeCounts())
        first_now = final.attempt_number == 1 or (final.attempt_number == 0 == target.attempt_count)
        if target.is_first_device and first_now:
            counts.first_done += 1
            counts.first_time = max(counts.first_time, final.time_us)
        group = status_group(final.status)
        if (
            final.attempt_number > 0
            and not target.message_canceled
            and policy.redials(target.mode, final.status, final.attempt_number)
        ):
            due = final.time_us + policy.redial_wait_us
            decision.redials.append(
                Redial(final.target_id, final.status, group, final.time_us, due)
            )
            continue
        decision.closes.append(Close(final.target_id, final.status, group, final.time_us))
        if group == StatusGroup.STATUS_GROUP_ERROR:
            counts.error += 1
        elif group == StatusGroup.STATUS_GROUP_CANCELED:
            counts.canceled += 1
        else:
            counts.successful += 1
        closed = decision.closed_per_message
        closed[message_id] = closed.get(message_id, 0) + 1
        decision.last_time[message_id] = max(decision.last_time.get(message_id, 0), final.time_us)
    return decision


@dataclass(frozen=True, slots=True)
class Revision:
    """A vendor status that arrived after a status deadline closed attempt ``attempt_number``
    of a target: it replaces the deadline's provisional status."""

    target_id: int
    attempt_number: int
    status: int
    time_us: int


@dataclass
class ReviseDecision:
    changes: list[Close] = field(default_factory=list)  # the targets' real final status
    counts: dict[tuple[int, int], ModeCounts] = field(default_factory=dict)  # deltas, +/-
    first_attempts: set[tuple[int, int]] = field(default_factory=set)  # (message, mode)
    messages: set[int] = field(default_factory=set)  # their status and end are recomputed
    unsettled: list[Final] = field(default_factory=list)  # targets not final: settle them


def decide_revise(
    revisions: Sequence[Revision], targets: Mapping[int, TargetState]
) -> ReviseDecision:
    """How late vendor statuses revise targets a deadline closed. The target takes the real
    status (and its time); its count moves from the deadline status's group to the real
    one's; First Attempt Duration (attempt 1 of a first device) and the message's status and
    end are recomputed. No redial is placed, whatever the real status (docs/statuses.md: a
    redial after the fact would call a family long after the emergency, outside the campaign
    they were told about). A revision of an older attempt, of an unknown target or a second
    one of the same target in a batch is skipped; one of a target not final (it never was
    settled) is settled as usual."""
    decision = ReviseDecision()
    done: set[int] = set()
    for revision in revisions:
        target = targets.get(revision.target_id)
        if target is None or revision.target_id in done:
            continue
        if revision.attempt_number != target.attempt_count:
            continue
        done.add(revision.target_id)
        if not target.is_final:
            decision.unsettled.append(
                Final(
                    revision.target_id, revision.attempt_number, revision.status, revision.time_us
                )
            )
            continue
        group = status_group(revision.status)
        decision.changes.append(Close(revision.target_id, revision.status, group, revision.time_us))
        key = (target.message_id, target.mode)
        before = status_group(target.status)
        if before != group:
            counts = decision.counts.setdefault(key, ModeCounts())
            _move(counts, before, -1)
            _move(counts, group, +1)
        if target.is_first_device and revision.attempt_number == 1:
            decision.first_attempts.add(key)
        decision.messages.add(target.message_id)
    return decision


def _move(counts: ModeCounts, group: int, by: int) -> None:
    if group == StatusGroup.STATUS_GROUP_ERROR:
        counts.error += by
    elif group == StatusGroup.STATUS_GROUP_CANCELED:
        counts.canceled += by
    elif group == StatusGroup.STATUS_GROUP_SUCCESSFUL:
        counts.successful += by


def message_outcome(canceled: bool, devices: int, errors: int) -> int:
    """The status of a message whose every device is final."""
    if canceled:
        return MessageStatus.MESSAGE_STATUS_CANCELED
    if devices > 0 and errors >= devices:
        return MessageStatus.MESSAGE_STATUS_ERRORED
    return MessageStatus.MESSAGE_STATUS_SENT


@dataclass(frozen=True, slots=True)
class WaitingTarget:
    """A target not final with a due time: never attempted, or a redial waiting."""

    target_id: int
    attempt_count: int
    status: int  # its last attempt's status (meaningless when attempt_count is 0)


@dataclass(frozen=True, slots=True)
class StoredAttempt:
    """An attempt stored but not yet sent (no request time)."""

    attempt_id: int
    target_id: int
    number: int
    mode: int


@dataclass
class CancelDecision:
    finals: list[Final] = field(default_factory=list)
    canceled_attempts: list[StoredAttempt] = field(default_factory=list)


def decide_cancel(
    waiting: Sequence[WaitingTarget],
    unsent: Sequence[StoredAttempt],
    in_flight: Collection[int],
    previous_status: Mapping[int, int],
    now_us: int,
) -> CancelDecision:
    """What a cancel closes. A target never attempted is Canceled; a redial waiting stops and
    the device keeps its last attempt's status. An attempt stored but not sent is Canceled,
    except those a worker is sending (``in_flight``: they finish on their own); a first
    attempt so canceled cancels its device, while a stored redial is a stopped redial: the
    device keeps the status of the attempt before it (``previous_status`` by target)."""
    decision = CancelDecision()
    for target in waiting:
        never = target.attempt_count == 0
        status = _S.DEVICE_STATUS_CANCELED if never else target.status
        decision.finals.append(Final(target.target_id, 0, status, now_us))
    for attempt in unsent:
        if attempt.attempt_id in in_flight:
            continue
        decision.canceled_attempts.append(attempt)
        closing: int = _S.DEVICE_STATUS_CANCELED
        if attempt.number > 1:
            closing = previous_status.get(attempt.target_id, closing)
        decision.finals.append(Final(attempt.target_id, attempt.number, closing, now_us))
    return decision


def expired_status(mode: int, status: int) -> int:
    """The final status of an attempt whose status deadline passed: No Status (email,
    inbox), Sent (a text the carrier took and nothing followed), else No Call Status."""
    if mode in (INBOX, EMAIL):
        return _S.DEVICE_STATUS_NO_STATUS
    if mode == TEXT and status == _S.DEVICE_STATUS_SENT:
        return _S.DEVICE_STATUS_SENT
    return _S.DEVICE_STATUS_NO_CALL_STATUS
