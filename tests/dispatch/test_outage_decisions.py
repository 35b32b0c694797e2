"""The circuit breaker, the retry backoff and the hold decisions, on their own (no clock, no
vendor, no store)."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smlog.config import Settings
from smlog.services.dispatch.breaker import Admission, Breaker
from smlog.services.dispatch.catalog import Catalog
from smlog.services.dispatch.outages import Outages
from smlog.services.dispatch.policy import TEXT, VOICE
from smlog.services.dispatch.pools import PhoneJob, Retry
from smlog.services.dispatch.record import Answer
from smlog.services.dispatch.retries import Hold, RetrySchedule
from smlog.services.dispatch.send import Failure
from smlog.v1.common_pb2 import DeviceStatus

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


S = 1_000_000
SETTINGS = Settings.load(
    env={},
    overrides={
        "vendor_retry_initial_seconds": 2,
        "vendor_retry_max_seconds": 60,
        "vendor_retry_horizon_emergency_seconds": 900,
        "vendor_breaker_failures": 2,
        "vendor_breaker_probe_seconds": 10,
    },
)
CALL = PhoneJob(VOICE, 7, 1, 0, "+15555550100", "", "smlog-a7")  # an Emergency call


@pytest.mark.parametrize(
    ("retry", "now", "retry_after", "expect"),
    [
        # first failure: held, horizon from now, next try within the first doubled wait
        (None, 0, None, ("hold", 1, 900 * S, (1 * S, 2 * S))),
        # the vendor's Retry-After wins over a shorter backoff
        (None, 0, 30.0, ("hold", 1, 900 * S, (30 * S, 30 * S))),
        # later failures wait longer, capped by the max
        (Retry(9, 0, 900 * S), 100 * S, None, ("hold", 10, 900 * S, (130 * S, 160 * S))),
        # never past the horizon: the last try is at the horizon
        (Retry(3, 0, 900 * S), 899 * S, None, ("hold", 4, 900 * S, (900 * S, 900 * S))),
        # at or after the horizon: Vendor Error with the last failure's code
        (Retry(4, 0, 900 * S), 900 * S, None, ("final", 0, 0, (0, 0))),
    ],
)
def test_a_failed_request_is_held_until_its_horizon(
    retry: Retry | None, now: int, retry_after: float | None, expect: tuple[Any, ...]
) -> None:
    outages = Outages(SETTINGS, cast(Catalog, None))
    job = dataclasses.replace(CALL, retry=retry)
    result = outages.failed(job, Failure("503", "server error", retry_after), A.REQUEST, now)
    kind, tries, give_up, (earliest, latest) = expect
    if kind == "final":
        assert isinstance(result, Answer)
        assert result.final_status == DeviceStatus.DEVICE_STATUS_VENDOR_ERROR
        assert (result.code, result.retry_key) == ("503", "smlog-a7")
        return
    assert isinstance(result, Hold)
    assert (result.retry.tries, result.retry.give_up_us, result.code) == (tries, give_up, "503")
    assert earliest <= result.due_us <= latest


def test_behind_an_open_breaker_a_request_waits_for_the_probe_without_a_try() -> None:
    outages = Outages(SETTINGS, cast(Catalog, None))
    for now in (0, 1):
        outages.failed(CALL, Failure("503", "x"), A.REQUEST, now)
    assert outages.breakers[VOICE].open
    failed = outages.failed(CALL, Failure("503", "x"), A.REQUEST, 2)
    assert isinstance(failed, Hold)
    assert failed.due_us == 1 + 10 * S  # not before the probe
    paused = outages.paused(dataclasses.replace(CALL, retry=Retry(2, 0, 900 * S)), 5)
    assert (paused.retry.tries, paused.due_us, paused.code) == (2, 1 + 10 * S, "breaker_open")
    assert outages.claim_limit(VOICE, 5) == 0
    assert outages.claim_limit(VOICE, 1 + 10 * S) == 1  # a probe may come from a new claim
    assert outages.claim_limit(TEXT, 5) is None  # other channels are not affected
