"""Fault injection and callback retries, driven over HTTP through both simulators."""

from __future__ import annotations

import time

import pytest

from smlog.simulators.common.faults import FaultSpec

from .conftest import Receiver, VoxFactory
from .test_voxology_outcomes import call


async def test_drop_fault_from_the_start(start_voxology: VoxFactory, receiver: Receiver) -> None:
    sim = await start_voxology(faults=FaultSpec(drop=1.0))
    await call(sim, "+15555550100", "a")
    await sim.faults()  # cleared: the next call calls back
    _, answer = await call(sim, "+15555550100", "b")
    await receiver.wait_count(1)
    assert [p.data["call_id"] for p in receiver.posts] == [answer["call_id"]]
    stats = await sim.wait_stats(lambda s: "sent" in s["callbacks"])
    assert stats["callbacks"] == {"dropped": 1, "sent": 1}


async def test_duplicate_fault_posts_the_same_event_twice(
    start_voxology: VoxFactory, receiver: Receiver
) -> None:
    sim = await start_voxology()
    await sim.faults(duplicate=1.0)
    await call(sim, "+15555550100", "a")
    await receiver.wait_count(2)
    first, second = receiver.posts
    assert first.data == second.data
    assert (await sim.stats())["accepted"] == {"call": 1}


async def test_reorder_fault_posts_the_final_status_first(
    start_voxology: VoxFactory, receiver: Receiver
) -> None:
    sim = await start_voxology(time_scale=0.01)  # events tens of milliseconds apart
    await sim.faults(reorder=1.0)
    events = ["ringing", "answered", "completed"]
    await call(sim, "+15555550100", "a", status_callback_events=events)
    await receiver.wait_count(3)
    assert [p.data["status"] for p in receiver.posts] == ["completed", "answered", "ringing"]


async def test_delay_fault_holds_callbacks_back(
    start_voxology: VoxFactory, receiver: Receiver
) -> None:
    sim = await start_voxology(time_scale=0.001)
    await sim.faults(delay=1.0, delay_s=300.0)  # 0.3 s at this time scale
    started = time.monotonic()
    await call(sim, "+15555550100", "a")
    await receiver.wait_count(1)
    assert receiver.posts[0].at - started >= 0.3


async def test_error_rate_and_bad_fault_specs(start_voxology: VoxFactory) -> None:
    sim = await start_voxology()
    await sim.faults(error_rate=1.0)
    assert (await call(sim, "+15555550100", "a"))[0] == 500
    for bad in ({"drop": 2}, {"bogus": 1}, {"drop": "x"}):
        async with sim.http.post(f"{sim.url}/admin/faults", json=bad) as response:
            assert response.status == 400
    async with sim.http.get(f"{sim.url}/admin/faults") as response:
        assert (await response.json())["error_rate"] == 1.0


def test_fault_spec_flag_form() -> None:
    spec = FaultSpec.parse("drop=0.1, duplicate=0.05,error_burst=20,slow_s=3")
    assert spec == FaultSpec(drop=0.1, duplicate=0.05, error_burst=20, slow=1.0, slow_s=3.0)
    assert FaultSpec.parse("") == FaultSpec()
    with pytest.raises(ValueError, match="unknown fault"):
        FaultSpec.parse("explode=1")
    with pytest.raises(ValueError, match="name=value"):
        FaultSpec.parse("drop")


async def test_voxology_retries_5xx_and_gives_up_on_4xx(
    start_voxology: VoxFactory, receiver: Receiver
) -> None:
    sim = await start_voxology()
    answers = iter([503, 500, 200])
    receiver.respond = lambda post: next(answers) if post.data["call_id"] == first else 400
    _, answer = await call(sim, "+15555550100", "a")
    first = answer["call_id"]
    await receiver.wait_count(3)
    assert {p.data["event_id"] for p in receiver.posts} == {receiver.posts[0].data["event_id"]}
    _, second = await call(sim, "+15555550100", "b")
    await receiver.wait_count(4)
    stats = await sim.wait_stats(lambda s: "failed" in s["callbacks"])
    assert stats["callbacks"] == {"retried": 2, "sent": 1, "failed": 1}
    assert [r["delay_s"] for r in stats["recent_retries"]] == [5.0, 30.0]
    assert receiver.posts[3].data["call_id"] == second["call_id"]


async def test_stats_count_the_callbacks_not_yet_posted(
    start_voxology: VoxFactory, receiver: Receiver
) -> None:
    sim = await start_voxology(time_scale=0.001)
    assert (await sim.stats())["callback_backlog"] == 0
    await sim.faults(delay=1.0, delay_s=500.0)  # 0.5 s at this time scale
    await call(sim, "+15555550100", "a")
    assert (await sim.stats())["callback_backlog"] == 1  # held back, not posted yet
    await receiver.wait_count(1)
    await sim.wait_stats(lambda s: s["callback_backlog"] == 0)
