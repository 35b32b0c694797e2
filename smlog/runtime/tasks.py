"""Small helpers for the background tasks and sockets every service and tool uses."""

from __future__ import annotations

import asyncio
import contextlib
import socket


async def cancel_task(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task and wait until it has finished (None: nothing to do)."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (for private stacks in tests and benchmarks)."""
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Wait until ``event`` is set or ``timeout`` seconds pass; True when it was set.

    The idle wait of every background loop. Not ``asyncio.wait_for``: on Python 3.11 it
    swallows a cancel that arrives as the event is set, and the loop being stopped runs on.
    """
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        return False
    return True
