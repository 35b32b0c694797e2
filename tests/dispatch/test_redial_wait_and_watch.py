"""A redial waits its full redial_wait_seconds (fake clock), and WatchMessage read to its end."""

from __future__ import annotations

from smlog.v1 import common_pb2 as c
from smlog.v1 import dispatch_pb2 as d
from tests.dispatch.people import BUSY_BUSY_OK, VOICE_BUSY, VOICE_OK, M, person, phone
from tests.support.clock import ManualClock
from tests.support.dispatch import Harness, S
from tests.support.waiting import wait_for

V = M.DELIVERY_MODE_VOICE
WAIT_S = 300


async def test_a_redial_is_never_placed_before_the_redial_wait(make: object) -> None:
    clock = ManualClock()
    h: Harness = await make(clock, redial_wait_seconds=WAIT_S)  # type: ignore[operator]
    # Emergency: not held by the dialing window, whatever the fake clock's hour.
    message_id = await h.send(
        [person("p", phone(VOICE_BUSY, modes=(V,)))], [V], c.MessageType.MESSAGE_TYPE_EMERGENCY
    )

    async def busy() -> bool:
        rows = await h.db.fetch_all(
            "SELECT a.status, a.status_time, t.next_attempt_time FROM attempts a"
            " JOIN targets t ON t.id = a.target_id WHERE a.message_id = ?",
            (message_id,),
        )
        return len(rows) == 1 and rows[0][0] == S.DEVICE_STATUS_BUSY and rows[0][2] is not None

    await wait_for(busy)
    [row] = await h.db.fetch_all(
        "SELECT a.status_time, t.next_attempt_time FROM attempts a"
        " JOIN targets t ON t.id = a.target_id WHERE a.message_id = ?",
        (message_id,),
    )
    busy_at, due = int(row[0]), int(row[1])
    assert due == busy_at + WAIT_S * 1_000_000
    for early in (busy_at, due - 1_000_000, due - 1):
        clock.value = early
        await h.scheduler_ran()
        assert len(await h.attempts(message_id)) == 1, early - busy_at
    clock.value = due
    await wait_for(lambda: _attempts(h, message_id, 2))


async def _attempts(h: Harness, message_id: int, count: int) -> bool:
    await h.scheduler_ran()
    return len(await h.attempts(message_id)) >= count


async def test_watch_message_streams_to_the_final_update(h: Harness) -> None:
    assert h.stub is not None
    people = [
        person("a", phone(VOICE_OK, modes=(V,))),
        person("b", phone(BUSY_BUSY_OK, modes=(V,))),  # Busy, Busy, then Completed
    ]
    message_id = await h.send(people, [V])
    updates = [
        r.progress
        async for r in h.stub.WatchMessage(d.WatchMessageRequest(message_id=message_id), timeout=30)
    ]
    assert len(updates) >= 2
    in_progress = c.MessageStatus.MESSAGE_STATUS_IN_PROGRESS
    assert all(u.status == in_progress for u in updates[:-1])
    last = updates[-1]
    assert last.status == c.MessageStatus.MESSAGE_STATUS_SENT
    assert last.HasField("dispatch_end_time")
    [voice] = last.modes
    # By hand: a answered at once (1 attempt), b redialed twice (3 attempts), both Completed.
    assert (voice.total_devices, voice.total_attempts, voice.total_successful) == (2, 4, 2)
    assert (voice.total_error, voice.total_canceled, voice.total_pending) == (0, 0, 0)
    attempts_seen = [u.modes[0].total_attempts for u in updates]
    assert attempts_seen == sorted(attempts_seen)  # counters only grow
