"""The webhook journal's write side: a commit queue that groups the verified requests of many
concurrent webhooks into one transaction (group commit).

A request waits for the commit of its batch before it is answered, so a 200 means the raw
body is durable; the batch also records each request's replay key, and a key seen before
(earlier, or twice in the same batch) is answered as a replay and stores nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from smlog.clock import now_us
from smlog.runtime.tasks import cancel_task
from smlog.store import Database

__all__ = ["CommitQueue", "JournalEntry"]

log = logging.getLogger("smlog.status.journal")

_MAX_BATCH = 2000


@dataclass(slots=True)
class JournalEntry:
    vendor: str
    kind: str
    body: bytes
    attempt_id: int
    replay_key: str
    received_time: int = field(default_factory=now_us)
    done: asyncio.Future[bool] | None = None


class CommitQueue:
    """Group commit of journal rows and replay keys; ``on_commit`` runs after each commit."""

    def __init__(self, db: Database, on_commit: Callable[[], None]) -> None:
        self._db = db
        self._on_commit = on_commit
        self._queue: asyncio.Queue[JournalEntry] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="status-commit-queue")

    async def stop(self) -> None:
        await cancel_task(self._task)
        self._task = None
        while not self._queue.empty():
            entry = self._queue.get_nowait()
            if entry.done is not None and not entry.done.done():
                entry.done.set_exception(ConnectionError("status service stopping"))

    async def submit(self, entry: JournalEntry) -> bool:
        """Journal ``entry`` durably: True once committed, False if its key is a replay."""
        entry.done = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(entry)
        return await entry.done

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            await asyncio.sleep(0)  # let handlers that are ready enqueue their entries too
            while len(batch) < _MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                accepted = await self._commit(batch)
            except asyncio.CancelledError:
                for entry in batch:
                    _resolve(entry, ConnectionError("status service stopping"))
                raise
            except Exception as exc:
                log.exception("journal commit failed (batch of %d)", len(batch))
                for entry in batch:
                    _resolve(entry, exc)
                continue
            for entry, ok in zip(batch, accepted, strict=True):
                _resolve(entry, ok)
            if any(accepted):
                self._on_commit()

    async def _commit(self, batch: list[JournalEntry]) -> list[bool]:
        # Sorted: two instances inserting overlapping keys wait on each other in one order.
        keys = sorted({e.replay_key for e in batch})
        first_seen = {e.replay_key: e.received_time for e in reversed(batch)}
        async with self._db.transaction() as tx:
            # The insert is the check: a key another status instance recorded (or is recording,
            # uncommitted: the insert waits for its commit) conflicts and is not returned.
            marks = ",".join(["(?, ?)"] * len(keys))
            rows = await tx.fetch_all(
                f"INSERT INTO webhook_tokens (token, seen_time) VALUES {marks}"  # noqa: S608
                " ON CONFLICT (token) DO NOTHING RETURNING token",
                [value for key in keys for value in (key, first_seen[key])],
            )
            fresh_keys = {str(r[0]) for r in rows}
            accepted: list[bool] = []
            for entry in batch:
                accepted.append(entry.replay_key in fresh_keys)
                fresh_keys.discard(entry.replay_key)  # the same key twice: the second is a replay
            fresh = [e for e, ok in zip(batch, accepted, strict=True) if ok]
            if fresh:
                tx.queue(
                    "INSERT INTO webhook_journal (vendor, kind, body, attempt_id, received_time)"
                    " VALUES (?, ?, ?, ?, ?)",
                    [(e.vendor, e.kind, e.body, e.attempt_id, e.received_time) for e in fresh],
                )
        return accepted


def _resolve(entry: JournalEntry, result: bool | BaseException) -> None:
    if entry.done is None or entry.done.done():
        return
    if isinstance(result, BaseException):
        entry.done.set_exception(result)
    else:
        entry.done.set_result(result)
