"""Reading a running simulator's counters over its admin HTTP API, as an outside client would."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp

__all__ = ["sim_stats", "wait_sim_stats"]


async def sim_stats(http: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    """The simulator at ``url``'s ``/admin/stats``."""
    async with http.get(f"{url}/admin/stats") as response:
        stats: dict[str, Any] = await response.json()
        return stats


async def wait_sim_stats(
    http: aiohttp.ClientSession,
    url: str,
    predicate: Callable[[dict[str, Any]], bool],
    timeout: float = 5.0,
) -> dict[str, Any]:
    """The stats once ``predicate`` holds (a callback is counted after its receiver
    answered); TimeoutError after ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        # Polls over HTTP: the simulator runs apart, with no event to wait on.
        while not predicate(stats := await sim_stats(http, url)):  # noqa: ASYNC110
            await asyncio.sleep(0.005)
    return stats
