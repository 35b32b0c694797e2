"""WatchMessage streams, bounded: one store poll for every watcher, limits, expiry, duration.

- One ``ChangeHub`` task per process reads a small fingerprint of every watched message (its
  status, times and per-mode counters) in one query per interval, and wakes only the streams
  whose message changed; a stream then reads its progress once. Before, each stream polled
  the full progress four times a second.
- Streams are counted per caller and per process (``StreamLimiter``): RESOURCE_EXHAUSTED
  beyond ``watch_max_streams_per_caller`` / ``watch_max_streams``.
- A stream ends with UNAUTHENTICATED when its caller's token expires, and ends (OK, the last
  progress sent) after ``watch_max_seconds``: a draft that never starts holds nothing forever.
  ``smlog watch`` opens a new stream when one ends before the message finished.

See docs/security.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Iterator

from prometheus_client import Counter, Gauge

from smlog.auth import Caller
from smlog.config import Settings
from smlog.errors import UnauthenticatedError
from smlog.runtime.streams import StreamLimiter
from smlog.runtime.tasks import cancel_task, wait_event
from smlog.services.dispatch.progress import is_finished, load_progress, progress_signature
from smlog.store import Database, fetch_in
from smlog.v1.common_pb2 import DispatchProgress

__all__ = ["ChangeHub", "ProgressWatch"]

log = logging.getLogger("smlog.dispatch.watch")

OPEN_STREAMS = Gauge("smlog_dispatch_watch_streams", "WatchMessage streams open now.")
PROGRESS_READS = Counter(
    "smlog_dispatch_watch_progress_reads_total",
    "Progress reads made for WatchMessage streams (one per stream per change).",
)
# Even without a change seen, a watcher reads its progress this often (a safety net).
_REFRESH_SECONDS = 30.0
_FINGERPRINT = (
    "SELECT m.id, m.status, m.total_recipients, m.recipients_no_device, m.sent_time,"
    " m.end_time, count(s.mode), sum(s.total_devices), sum(s.total_attempts),"
    " sum(s.total_successful), sum(s.total_error), sum(s.total_canceled),"
    " sum(s.total_successful * s.mode), sum(s.total_error * s.mode),"
    " sum(s.total_canceled * s.mode), sum(s.total_attempts * s.mode),"
    " count(s.first_attempt_end_time)"
    " FROM messages m LEFT JOIN message_mode_stats s ON s.message_id = m.id"
    " WHERE m.id IN ({marks}) GROUP BY m.id, m.status, m.total_recipients,"
    " m.recipients_no_device, m.sent_time, m.end_time"
)


_FINGERPRINT_COLUMNS = 17
# The hub's poll when every worker notifies its changes (docs/scale-out.md).
NOTIFIED_POLL_SECONDS = 5.0


class ChangeHub:
    """Wakes the watchers of a message when its fingerprint changes."""

    def __init__(self, db: Database, interval: float) -> None:
        self._db = db
        self._interval = max(interval, 0.01)
        self._watchers: dict[int, set[asyncio.Event]] = {}
        self._seen: dict[int, tuple[object, ...]] = {}
        self._poke = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="dispatch-watch-hub")

    async def stop(self) -> None:
        await cancel_task(self._task)
        self._task = None

    def poke(self) -> None:
        """Look now (after a change made in this process: a start, a cancel)."""
        self._poke.set()

    def notified(self, message_id: int | None) -> None:
        """A worker changed ``message_id``'s progress (None: any message may have changed)."""
        if message_id is None or message_id in self._watchers:
            self._poke.set()

    def slow_down(self) -> None:
        """Changes are notified (PostgreSQL's LISTEN): the poll is only a safety net."""
        self._interval = max(self._interval, NOTIFIED_POLL_SECONDS)

    @contextlib.contextmanager
    def watch(self, message_id: int) -> Iterator[asyncio.Event]:
        event = asyncio.Event()
        self._watchers.setdefault(message_id, set()).add(event)
        self._poke.set()
        try:
            yield event
        finally:
            watchers = self._watchers.get(message_id)
            if watchers is not None:
                watchers.discard(event)
                if not watchers:
                    del self._watchers[message_id]
                    self._seen.pop(message_id, None)

    async def _run(self) -> None:
        while True:
            self._poke.clear()
            if self._watchers:
                try:
                    await self._look()
                except Exception:  # the store is away: watchers keep their safety refresh
                    log.warning("watch fingerprint read failed", exc_info=True)
                await wait_event(self._poke, self._interval)
            else:
                await self._poke.wait()

    async def _look(self) -> None:
        for row in await fetch_in(self._db, _FINGERPRINT, list(self._watchers)):
            message_id = int(row["id"])
            fingerprint = tuple(row[i] for i in range(1, _FINGERPRINT_COLUMNS))
            if self._seen.get(message_id) != fingerprint:
                self._seen[message_id] = fingerprint
                for event in self._watchers.get(message_id, ()):
                    event.set()


class ProgressWatch:
    """The WatchMessage stream machinery of one dispatch process (a service component)."""

    def __init__(self, db: Database, settings: Settings, now_us: Callable[[], int]) -> None:
        self._db = db
        self._now_us = now_us
        self._max_seconds = settings.watch_max_seconds
        self.hub = ChangeHub(db, settings.dispatch_watch_interval_seconds)
        self.limits = StreamLimiter(
            "WatchMessage", settings.watch_max_streams_per_caller, settings.watch_max_streams
        )

    async def start(self) -> None:
        await self.hub.start()

    async def stop(self) -> None:
        await self.hub.stop()

    async def progress(self, caller: Caller, message_id: int) -> AsyncIterator[DispatchProgress]:
        """The message's progress now, then on each change, until it is final, the caller's
        token expires (UNAUTHENTICATED) or the stream reached its maximum duration."""
        with self.limits.slot(caller), self.hub.watch(message_id) as changed:
            OPEN_STREAMS.inc()
            try:
                async for progress in self._follow(caller, message_id, changed):
                    yield progress
            finally:
                OPEN_STREAMS.dec()

    async def _follow(
        self, caller: Caller, message_id: int, changed: asyncio.Event
    ) -> AsyncIterator[DispatchProgress]:
        ends = time.monotonic() + self._max_seconds
        last = b""
        while True:
            if caller.expired():
                raise UnauthenticatedError("token expired while watching; watch with a new one")
            changed.clear()
            PROGRESS_READS.inc()
            progress = await load_progress(self._db, message_id, self._now_us())
            signature = progress_signature(progress)
            if signature != last:
                last = signature
                yield progress
            if is_finished(progress.status):
                return
            left = ends - time.monotonic()
            if left <= 0:
                return
            token_left = caller.expires_at - time.time() if caller.expires_at else math.inf
            await wait_event(changed, max(0.0, min(left, token_left, _REFRESH_SECONDS)))
