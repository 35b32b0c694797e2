"""Callback delivery: scheduled, signed, posted by a bounded pool of workers over one
``aiohttp.ClientSession``, retried on the vendor's schedule, with callback faults applied.

Scheduling costs one ``loop.call_later`` per callback (no task per callback); the queue is
drained by ``concurrency`` workers, so a burst of thousands of callbacks per second keeps a
bounded number of connections to the receiver.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from smlog.simulators.common.faults import FaultState
from smlog.simulators.common.profile import scaled
from smlog.simulators.common.stats import SimStats

__all__ = ["Callback", "CallbackSender", "Encoder", "dumps"]

log = logging.getLogger(__name__)

# Turns a payload into (body bytes, extra headers) at post time, so that every post (first
# or retry) carries a fresh signature timestamp.
# (payload, callback URL) -> (body, headers)
Encoder = Callable[[dict[str, Any], str], tuple[bytes, Mapping[str, str]]]


@dataclass(slots=True)
class Callback:
    url: str
    payload: dict[str, Any]
    kind: str  # bounded metric label: call, sms, inbound, email
    attempt: int = 1
    generation: int = 0


class CallbackSender:
    def __init__(
        self,
        *,
        encode: Encoder,
        stats: SimStats,
        faults: FaultState,
        time_scale: float,
        retry_schedule_s: Sequence[float],
        retry_on: Callable[[int | None], bool],
        concurrency: int = 64,
        timeout_s: float = 10.0,
    ) -> None:
        self._encode = encode
        self._stats = stats
        self._faults = faults
        self.time_scale = time_scale
        self._schedule = tuple(retry_schedule_s)
        self._retry_on = retry_on
        self._concurrency = concurrency
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._queue: asyncio.Queue[Callback] = asyncio.Queue()
        self._workers: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None
        self._generation = 0
        self._pending = 0
        stats.gauge(
            "smlog_sim_callback_backlog",
            "Callbacks scheduled or queued and not yet posted.",
            lambda: float(self._pending),
        )

    @property
    def backlog(self) -> int:
        """Callbacks scheduled or queued and not yet posted."""
        return self._pending

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=self._concurrency)
        self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        self._workers = [
            asyncio.create_task(self._work(), name=f"callback-worker-{i}")
            for i in range(self._concurrency)
        ]

    async def close(self) -> None:
        for worker in self._workers:
            worker.cancel()
        for worker in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        self._workers = []
        if self._session is not None:
            await self._session.close()
            self._session = None

    def reset(self) -> None:
        """Forget every callback scheduled so far (they are discarded when due)."""
        self._generation += 1
        self._pending = 0

    def schedule(self, delay_s: float, callback: Callback, *, faults: bool = True) -> None:
        """Post ``callback`` after ``delay_s`` vendor seconds (scaled by the time scale)."""
        callback.generation = self._generation
        if faults:
            if self._faults.drop():
                self._stats.callback(callback.kind, "dropped")
                return
            delay_s += self._faults.extra_delay_s()
            if self._faults.duplicate():
                self._stats.callback(callback.kind, "duplicated")
                twin = Callback(callback.url, callback.payload, callback.kind)
                self.schedule(delay_s, twin, faults=False)
        self._pending += 1
        real_delay = scaled(delay_s, self.time_scale)
        if real_delay <= 0:
            self._queue.put_nowait(callback)
        else:
            asyncio.get_running_loop().call_later(real_delay, self._queue.put_nowait, callback)

    async def _work(self) -> None:
        while True:
            callback = await self._queue.get()
            if callback.generation != self._generation:
                continue
            self._pending -= 1
            try:
                await self._post(callback)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not kill the worker; details stay out of the log
                log.exception("callback worker error (kind=%s)", callback.kind)

    async def _post(self, callback: Callback) -> None:
        assert self._session is not None, "CallbackSender.start() not awaited"
        body, headers = self._encode(callback.payload, callback.url)
        status: int | None = None
        started = time.monotonic()
        try:
            async with self._session.post(
                callback.url,
                data=body,
                headers={"Content-Type": "application/json", **headers},
            ) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError, ValueError):
            status = None
        elapsed = time.monotonic() - started
        if status is not None and 200 <= status < 300:
            self._stats.callback(callback.kind, "sent", elapsed)
            return
        attempt = callback.attempt
        if callback.generation != self._generation:
            return  # reset while in flight: forget it
        if attempt <= len(self._schedule) and self._retry_on(status):
            delay = self._schedule[attempt - 1]
            self._stats.retry(callback.kind, attempt, delay)
            callback.attempt = attempt + 1
            self._pending += 1
            real_delay = scaled(delay, self.time_scale)
            loop = asyncio.get_running_loop()
            loop.call_later(real_delay, self._queue.put_nowait, callback)
            return
        self._stats.callback(callback.kind, "failed", elapsed)


def dumps(payload: dict[str, Any]) -> bytes:
    """Compact JSON as the vendors send it."""
    return json.dumps(payload, separators=(",", ":")).encode()
