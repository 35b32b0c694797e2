from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from smlog.config import Settings
from smlog.store import migrate
from smlog.store.opening import connect
from tests.support.dispatch import Harness, start_sims

FAST = dict(
    vendor_retry_initial_seconds=0.05,
    vendor_retry_max_seconds=0.2,
    vendor_retry_horizon_emergency_seconds=0.5,
    vendor_retry_horizon_priority_seconds=0.5,
    vendor_retry_horizon_general_seconds=0.5,
    vendor_breaker_probe_seconds=0.1,
    grace_seconds=0.5,
    redial_wait_seconds=0.05,
    vendor_backoff_initial_seconds=0.001,
    vendor_backoff_max_seconds=0.01,
    vendor_max_retries=2,
    vendor_timeout_seconds=2.0,
    dispatch_poll_seconds=0.02,
    dispatch_outcome_poll_seconds=0.05,
    dispatch_deadline_sweep_seconds=0.05,
    dispatch_flush_seconds=0.01,
    dispatch_watch_interval_seconds=0.02,
    dispatch_gauge_seconds=0.1,
    voxology_concurrency=20,
    mailgun_concurrency=4,
)


async def make_harness(settings: Settings, clock: object = None, **changes: object) -> Harness:
    db = await connect(settings.store_url())
    await migrate(db)
    harness = Harness(settings, clock, db)
    urls = await start_sims(harness)
    harness.settings = settings.replace(**{**FAST, **urls, **changes})
    return harness


@pytest.fixture
async def make(settings: Settings) -> AsyncIterator[object]:
    made: list[Harness] = []

    async def factory(clock: object = None, **changes: object) -> Harness:
        harness = await make_harness(settings, clock, **changes)
        window = {}
        if harness.clock is None:
            from smlog.services.dispatch.clock import SystemClock

            harness.clock = SystemClock()
            # On the real clock a test runs at any hour: dial all day. A test on a manual
            # clock gets the district's default window (8:00 to 21:00) to test against.
            window = {"start_minute": 0, "end_minute": 1440}
        await harness.start_dispatch()
        await harness.district(**window)
        made.append(harness)
        return harness

    yield factory
    for harness in made:
        await harness.stop_dispatch()
        for server in harness.servers:
            await server.close()
        await harness.db.close()


@pytest.fixture
async def h(make: object) -> Harness:
    harness: Harness = await make()  # type: ignore[operator]
    return harness
