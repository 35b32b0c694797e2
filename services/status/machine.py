"""The per-attempt state machine, pure: no I/O, so it can be tested over every arrival order.

Rules (smlog.domain): a status only moves to a higher rank (Queued < In Progress < provisional
Sent < final); the first final status is frozen, unless a status deadline set it because no
answer came (``provisional``): then a vendor status that ``replaces_deadline`` takes its place
(``revised``); an event that would not move the status forward is kept as history only.
History-only events with a ``detail_rank`` (Mailgun's) replace the attempt's vendor detail
when they outrank the detail it holds, whatever the status.
"""

from __future__ import annotations

from dataclasses import dataclass

from smlog.domain import DEADLINE_CODE, STATUS_GROUPS, is_final, replaces_deadline, status_rank
from smlog.services.status.events import Disposition, StatusEvent
from smlog.services.status.mapping import mailgun_detail_rank
from smlog.v1.common_pb2 import DeliveryMode

__all__ = ["AttemptState", "step"]

# smlog.domain's rules, tabulated once: the hot path applies tens of thousands of events a
# second and protobuf enum lookups would dominate it.
_RANK: dict[int, int] = {s: status_rank(s) for s in STATUS_GROUPS}
_FINAL: dict[tuple[int, int], bool] = {
    (s, m): is_final(s, m) for s in STATUS_GROUPS for m in DeliveryMode.values()
}


@dataclass(slots=True)
class AttemptState:
    """An attempt as stored, plus what this batch changed about it."""

    attempt_id: int
    target_id: int
    number: int
    mode: int
    status: int
    status_time: int
    is_final: bool
    vendor_code: str
    vendor_detail: str
    provisional: bool = False  # final by a status deadline: a vendor's answer may replace it
    status_changed: bool = False
    detail_changed: bool = False
    became_final: bool = False
    revised: bool = False  # a vendor status replaced the provisional final status
    # The deadline's status this batch replaced, and when the deadline set it (0: none).
    replaced_status: int = 0
    replaced_time: int = 0


def step(state: AttemptState, event: StatusEvent) -> Disposition:
    """Apply one (non-duplicate) event to ``state`` in place; say what became of it."""
    if event.mode is not None and event.mode != state.mode:
        return Disposition.REJECTED
    if event.status is None:
        if event.detail_rank is not None and event.detail_rank > mailgun_detail_rank(
            state.vendor_code, state.vendor_detail
        ):
            state.vendor_code = event.vendor_code
            state.vendor_detail = event.vendor_detail
            state.detail_changed = True
        return Disposition.APPLIED
    rank = _RANK.get(event.status)
    if rank is None:
        rank = status_rank(event.status)
    if state.is_final:
        if state.provisional and replaces_deadline(state.status, event.status, state.mode):
            return _replace(state, event)
        return Disposition.STALE
    if rank <= _RANK.get(state.status, 0):
        return Disposition.STALE
    state.status = event.status
    state.status_time = event.event_time
    state.vendor_code = event.vendor_code
    state.vendor_detail = event.vendor_detail
    final = _FINAL.get((event.status, state.mode))
    state.is_final = is_final(event.status, state.mode) if final is None else final
    state.status_changed = True
    state.became_final = state.is_final
    return Disposition.APPLIED


def _replace(state: AttemptState, event: StatusEvent) -> Disposition:
    """A vendor's answer after the deadline: it takes the deadline's place (the attempt stays
    final; a text's Sent stays provisional, as the deadline would have left it)."""
    assert event.status is not None
    if not state.replaced_status and state.vendor_code == DEADLINE_CODE:
        state.replaced_status = state.status
        state.replaced_time = state.status_time
    state.status = event.status
    state.status_time = event.event_time
    state.vendor_code = event.vendor_code
    state.vendor_detail = event.vendor_detail
    final = _FINAL.get((event.status, state.mode))
    state.provisional = not (is_final(event.status, state.mode) if final is None else final)
    state.status_changed = True
    state.revised = True
    return Disposition.APPLIED
