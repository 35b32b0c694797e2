"""Work for the vendor pools: jobs, and a bounded worker pool per vendor in priority order."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = ["EmailJob", "Job", "PhoneJob", "Retry", "VendorPool"]

log = logging.getLogger("smlog.dispatch.pool")


@dataclass(frozen=True, slots=True)
class Retry:
    """A job held before (a ``vendor_retries`` row): failed tries so far and its horizon."""

    tries: int
    held_since_us: int
    give_up_us: int


@dataclass(frozen=True, slots=True)
class PhoneJob:
    """One voice or text attempt, already stored (Queued) with its idempotency key."""

    mode: int
    attempt_id: int
    message_id: int
    priority: int
    address: str
    extension: str
    idempotency_key: str
    retry: Retry | None = None

    @property
    def attempt_ids(self) -> tuple[int, ...]:
        return (self.attempt_id,)


@dataclass(frozen=True, slots=True)
class EmailJob:
    """One stored email batch: (attempt id, address) pairs of one message."""

    message_id: int
    priority: int
    idempotency_key: str
    recipients: tuple[tuple[int, str], ...]
    retry: Retry | None = None

    @property
    def attempt_ids(self) -> tuple[int, ...]:
        return tuple(a for a, _ in self.recipients)


Job = PhoneJob | EmailJob


class VendorPool:
    """``concurrency`` workers taking jobs lowest priority number first (Emergency before
    Priority before General); the scheduler keeps at most ``buffer`` jobs waiting."""

    def __init__(
        self,
        name: str,
        concurrency: int,
        buffer: int,
        handle: Callable[[Job], Awaitable[None]],
        on_room: Callable[[], None],
    ) -> None:
        self.name = name
        self.concurrency = max(concurrency, 1)
        self.buffer = max(buffer, 1)
        self._handle = handle
        self._on_room = on_room
        self._queue: asyncio.PriorityQueue[tuple[int, int, Job]] = asyncio.PriorityQueue()
        self._seq = itertools.count()
        self._workers: list[asyncio.Task[None]] = []
        self.busy = 0

    def room(self) -> int:
        return max(self.buffer - self._queue.qsize(), 0)

    def depth(self) -> int:
        return self._queue.qsize()

    def depth_by_priority(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        waiting: list[tuple[int, int, Job]] = getattr(self._queue, "_queue", [])
        for priority, _, _ in list(waiting):
            counts[priority] = counts.get(priority, 0) + 1
        return counts

    def put(self, job: Job) -> None:
        self._queue.put_nowait((job.priority, next(self._seq), job))

    def start(self) -> None:
        self._workers = [
            asyncio.create_task(self._work(), name=f"{self.name}-worker-{i}")
            for i in range(self.concurrency)
        ]

    async def stop(self) -> None:
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []

    async def _work(self) -> None:
        while True:
            _, _, job = await self._queue.get()
            if self._queue.qsize() < self.buffer // 2:
                self._on_room()
            self.busy += 1
            try:
                await self._handle(job)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not kill the worker; resume re-sends the job
                log.exception("%s job failed", self.name)
            finally:
                self.busy -= 1
