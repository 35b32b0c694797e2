"""The circuit breaker and the retry backoff, on their own (no clock, no vendor)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.dispatch.breaker import Admission, Breaker
from services.dispatch.retries import RetrySchedule

A = Admission


def test_opens_after_a_run_of_failures_and_closes_on_a_probe_success() -> None:
    changes: list[bool] = []
    b = Breaker(3, 100, on_change=changes.append)
    for now in (0, 1):
        assert b.admit(now) is A.REQUEST
        b.failed(now, A.REQUEST)
    b.succeeded(A.REQUEST)  # a success breaks the run
    for now in (2, 3, 4):
        b.failed(now, A.REQUEST)
    assert b.open
    assert changes == [True]
    assert b.admit(50) is A.REFUSED  # paused: nothing goes to the vendor
    assert b.next_try_us(50) == 104
    assert b.admit(104) is A.PROBE  # one probe when its time has come
    assert b.admit(104) is A.REFUSED  # and only one
    b.failed(110, A.PROBE)  # still down: another interval
    assert b.open
    assert b.admit(150) is A.REFUSED
    assert b.probe_due(210)
    assert b.admit(210) is A.PROBE
    b.succeeded(A.PROBE)
    assert not b.open
    assert changes == [True, False]
    assert b.admit(211) is A.REQUEST


def test_late_failures_do_not_delay_the_probe_and_an_abandoned_probe_frees_its_turn() -> None:
    b = Breaker(1, 100)
    b.failed(0, A.REQUEST)
    b.failed(60, A.REQUEST)  # a request sent before the breaker opened
    assert b.probe_at == 100
    assert b.admit(100) is A.PROBE
    b.abandoned(A.PROBE)  # e.g. its message was canceled
    assert b.admit(200) is A.PROBE


@given(
    tries=st.integers(1, 60),
    initial=st.integers(1, 10_000_000),
    maximum=st.integers(1, 600_000_000),
    retry_after=st.none() | st.floats(0, 120),
)
def test_backoff_doubles_within_its_bounds(
    tries: int, initial: int, maximum: int, retry_after: float | None
) -> None:
    schedule = RetrySchedule(initial, maximum, (1, 2, 3))
    ceiling = min(maximum, initial * 2 ** (tries - 1))
    wait = schedule.backoff_us(tries, retry_after)
    assert ceiling // 2 <= wait or (retry_after is not None and wait >= retry_after * 1e6 - 1)
    assert wait <= max(ceiling, int((retry_after or 0) * 1_000_000))
    if retry_after is not None:
        assert wait >= int(retry_after * 1_000_000)


def test_horizon_by_message_type() -> None:
    schedule = RetrySchedule(1, 2, (10, 20, 30))
    assert [schedule.start(p, 1000).give_up_us for p in (0, 1, 2)] == [1010, 1020, 1030]
