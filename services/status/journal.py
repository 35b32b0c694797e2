"""The webhook journal's write side: a commit queue that groups the verified requests of many
concurrent webhooks into one transaction (group commit).

A request waits for the commit of its batch before it is answered, so a 200 means the raw
body is durable; the batch also records each request's replay key, and a key seen before
(earlier, or twice in the same batch) is answered as a replay and stores nothing.

The status events the edge parsed are applied in the same transaction (the state machine,
``applier.apply_events``) and their journal rows are written already applied, parked or
rejected: a callback is applied when it is answered, with no second read, decode and
transaction of the worker in between (a backlog there once delayed callbacks past their
status deadline under load). Rows without an event (inbound texts) are written new, for the
worker. If applying fails, the batch is journaled without it (rows new) and the worker applies
them later, so a bad event never makes the edge refuse webhooks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from smlog.clock import now_us
from smlog.runtime.tasks import cancel_task
from smlog.services.status.applier import ApplyResult, apply_events
from smlog.services.status.events import Disposition, StatusEvent
from smlog.store import Database, Transaction

__all__ = ["AppliedBatch", "CommitQueue", "JournalEntry"]

JOURNAL_NEW = 0
JOURNAL_APPLIED = 1
JOURNAL_PARKED = 2
JOURNAL_REJECTED = 3

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
    event: StatusEvent | None = None  # the parsed event (None: an inbound text, for the worker)
    known_code: bool = True


@dataclass(slots=True)
class AppliedBatch:
    """What one commit applied, for the follow-ups after it (metrics, telling dispatch)."""

    now: int = 0
    events: list[StatusEvent] = field(default_factory=list)
    result: ApplyResult = field(default_factory=ApplyResult)
    unknown_codes: list[str] = field(default_factory=list)  # vendor of each unknown code
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (vendor, reason)
    new_rows: int = 0  # rows left for the worker (inbound texts, or applying failed)


class CommitQueue:
    """Group commit of journal rows and replay keys, with their events applied;
    ``on_commit`` runs after each commit."""

    def __init__(self, db: Database, on_commit: Callable[[AppliedBatch], None]) -> None:
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
                accepted, applied = await self._commit_applied(batch)
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
                self._on_commit(applied)

    async def _commit_applied(self, batch: list[JournalEntry]) -> tuple[list[bool], AppliedBatch]:
        try:
            return await self._commit(batch, apply=True)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("applying a webhook batch failed; journaling it for the worker")
            return await self._commit(batch, apply=False)

    async def _commit(
        self, batch: list[JournalEntry], *, apply: bool
    ) -> tuple[list[bool], AppliedBatch]:
        applied = AppliedBatch(now=now_us())
        async with self._db.transaction() as tx:
            accepted = await self._replay_check(tx, batch)
            fresh = [e for e, ok in zip(batch, accepted, strict=True) if ok]
            rows = await self._apply(tx, fresh, applied) if apply else _new_rows(fresh)
            applied.new_rows = sum(1 for r in rows if r[5] == JOURNAL_NEW)
            if rows:
                tx.queue(
                    "INSERT INTO webhook_journal (vendor, kind, body, attempt_id, received_time,"
                    " state, reason, applied_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
        if not apply:
            applied = AppliedBatch(now=applied.now, new_rows=applied.new_rows)
        return accepted, applied

    async def _apply(
        self, tx: Transaction, fresh: list[JournalEntry], applied: AppliedBatch
    ) -> list[tuple[object, ...]]:
        with_event = [e for e in fresh if e.event is not None]
        applied.events = [e.event for e in with_event if e.event is not None]
        if applied.events:
            applied.result = await apply_events(tx, applied.events, applied.now)
        states: dict[int, tuple[int, str]] = {}
        for entry, disposition in zip(with_event, applied.result.dispositions, strict=True):
            if not entry.known_code:
                applied.unknown_codes.append(entry.vendor)
            if disposition == Disposition.PARKED:
                states[id(entry)] = (JOURNAL_PARKED, "")
            elif disposition == Disposition.REJECTED:
                states[id(entry)] = (JOURNAL_REJECTED, "wrong_mode")
                applied.rejected.append((entry.vendor, "wrong_mode"))
            else:
                states[id(entry)] = (JOURNAL_APPLIED, "")
        done = max(applied.now, now_us())  # as the commit, for the status lag
        rows: list[tuple[object, ...]] = []
        for e in fresh:
            state, reason = states.get(id(e), (JOURNAL_NEW, ""))
            rows.append(
                (e.vendor, e.kind, e.body, e.attempt_id, e.received_time, state, reason,
                 done if state != JOURNAL_NEW else None)
            )  # fmt: skip
        return rows

    async def _replay_check(self, tx: Transaction, batch: list[JournalEntry]) -> list[bool]:
        # Sorted: two instances inserting overlapping keys wait on each other in one order.
        keys = sorted({e.replay_key for e in batch})
        first_seen = {e.replay_key: e.received_time for e in reversed(batch)}
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
        return accepted


def _new_rows(fresh: list[JournalEntry]) -> list[tuple[object, ...]]:
    return [
        (e.vendor, e.kind, e.body, e.attempt_id, e.received_time, JOURNAL_NEW, "", None)
        for e in fresh
    ]


def _resolve(entry: JournalEntry, result: bool | BaseException) -> None:
    if entry.done is None or entry.done.done():
        return
    if isinstance(result, BaseException):
        entry.done.set_exception(result)
    else:
        entry.done.set_result(result)
