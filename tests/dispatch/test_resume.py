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
    h: Harness = await make(voxology_concurrency=8, dispatch_claim_batch=50)  # type: ignore[operator]
    numbers = [f"+1555557{i:04d}" for i in range(300)]
    people = [
        person(f"p{i}", phone(n, modes=(V,)), email(f"p{i}@example.org"))
        for i, n in enumerate(numbers)
    ]
    message_id = await h.send(people, [V, E])

    async def some_attempts() -> bool:
        row = await h.db.fetch_one("SELECT COUNT(*) FROM attempts WHERE mode = ?", (V,))
        return row is not None and int(row[0]) >= 60

    await wait_for(some_attempts)
    await h.kill_dispatch()
    row = await h.db.fetch_one("SELECT COUNT(*) FROM attempts WHERE mode = ?", (V,))
    assert row is not None
    assert int(row[0]) < 300, "the campaign finished before the kill"
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
    # every request beyond the 300 accepted ones was a re-send the simulator replayed
    assert stats["accepted"] == {"call": 300}
    assert stats["requests"]["/v1/calls"] == 300 + stats["duplicates_replayed"]
