"""The background-task helpers: a loop's idle wait must never swallow the cancel that stops it."""

from __future__ import annotations

import asyncio

from smlog.runtime.tasks import wait_event


async def test_wait_event_says_whether_the_event_was_set() -> None:
    event = asyncio.Event()
    assert await wait_event(event, 0.01) is False
    event.set()
    assert await wait_event(event, 10) is True


async def test_a_cancel_arriving_as_the_event_is_set_stops_the_loop() -> None:
    event = asyncio.Event()
    rounds = 0

    async def loop() -> None:
        nonlocal rounds
        while True:
            await wait_event(event, 10)
            event.clear()
            rounds += 1

    task = asyncio.create_task(loop())
    await asyncio.sleep(0)  # the loop waits on the event
    event.set()
    task.cancel()  # in the same turn of the event loop: the race asyncio.wait_for loses
    done, _ = await asyncio.wait({task}, timeout=1)
    assert done == {task}, "the cancel was swallowed: the loop runs on"
    assert task.cancelled()
    assert rounds == 0
