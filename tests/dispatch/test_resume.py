"""Stop dispatch mid-campaign without flushing, restart it: nothing lost, nothing sent twice."""

from __future__ import annotations

from smlog.v1 import common_pb2 as c
from tests.dispatch.people import M, email, person, phone
from tests.support.dispatch import Harness
from tests.support.waiting import wait_for

MS = c.MessageStatus
V = M.DELIVERY_MODE_VOICE
E = M.DELIVERY_MODE_EMAIL


async def test_restart_mid_campaign_sends_nothing_twice(make: object) -> None:
    # Voxology takes 100 calls a second, so the campaign is still sending when dispatch
    # stops; a call it refuses over that rate is held and tried again until it is taken.
    h: Harness = await make(  # type: ignore[operator]
        voxology_concurrency=8,
        dispatch_claim_batch=50,
        sim_calls_per_second=100.0,
        vendor_retry_horizon_general_seconds=60.0,
        vendor_retry_horizon_priority_seconds=60.0,
        vendor_retry_horizon_emergency_seconds=60.0,
    )
    numbers = [f"+1555557{i:04d}" for i in range(300)]
    people = [
        person(f"p{i}", phone(n, modes=(V,)), email(f"p{i}@example.org"))
        for i, n in enumerate(numbers)
    ]
    message_id = await h.send(people, [V, E])

    async def calls_placed() -> int:
        stats = await h.sim_stats("voxology")
        return int(stats["accepted"].get("call", 0))

    async def some_placed() -> bool:
        return await calls_placed() >= 30

    await wait_for(some_placed)
    await h.kill_dispatch()
    assert await calls_placed() < 300, "the campaign finished before the kill"
    await h.start_dispatch()
    progress = await h.finished(message_id, timeout=30)
    assert progress.status == MS.MESSAGE_STATUS_SENT
    modes = {m.delivery_mode: m for m in progress.modes}
    assert (modes[V].total_devices, modes[V].total_attempts, modes[V].total_successful) == (
        300,
        300,
        300,
    )
    assert (modes[E].total_attempts, modes[E].total_successful) == (300, 300)
    for number in numbers[::7]:
        assert await h.sim_accepted("voxology", number) == {"call": 1, "sms": 0}
    stats = await h.sim_stats("voxology")
    # every request beyond the 300 accepted ones was a re-send the simulator replayed, or one
    # it refused over its rate (429, tried again later with the same key)
    assert stats["accepted"] == {"call": 300}
    refused = stats["responses"].get("429", 0)
    assert stats["requests"]["/v1/calls"] == 300 + stats["duplicates_replayed"] + refused
