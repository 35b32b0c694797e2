"""Retention per district: messages whose dispatch ended longer ago than the district's period
are purged with everything that belongs to them (docs/retention.md).

``purge_pass`` walks each district with a period, oldest finished message first, and deletes
one message at a time in bounded transactions: up to ``batch`` targets with their attempts,
events, outcomes, parked events, journal rows and inbox items, then the recipients, then the
message's own rows, and its ``messages`` row last. Each transaction is short, so sending and
queries never wait long for the store, and every step can be repeated: after a crash the next
pass finds the same message (its row is still there) and deletes what is left, so nothing is
deleted twice and no row outlives its message. In-progress messages and drafts are never
selected (only ``end_time`` set and a final status).

``Purger`` (a dispatch component) runs a pass every ``retention_interval_seconds``, gives the
space back (``Database.reclaim_space``) and keeps the metrics.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from prometheus_client import Counter, Gauge

from smlog.runtime.tasks import cancel_task
from smlog.store import Database, Transaction, in_marks
from smlog.v1.common_pb2 import MessageStatus

__all__ = ["PURGED_ROWS", "Purger", "purge_pass"]

log = logging.getLogger(__name__)

DAY_US = 86_400 * 1_000_000
_OPEN = (int(MessageStatus.MESSAGE_STATUS_IN_PROGRESS), int(MessageStatus.MESSAGE_STATUS_DRAFT))

PURGED_ROWS = Counter(
    "smlog_retention_purged_rows_total", "Rows deleted by the retention purge.", ["table"]
)
# District ids as a label: bounded by the number of districts set up (docs/retention.md).
OLDEST_AGE = Gauge(
    "smlog_retention_oldest_message_age_seconds",
    "Age of the oldest kept finished message (since its dispatch ended), per district with a"
    " retention period.",
    ["district"],
)
PERIOD = Gauge("smlog_retention_period_seconds", "The district's retention period.", ["district"])

# Rows keyed by attempt, deleted with their attempts (the attempts of the chosen targets).
_BY_ATTEMPT = (
    ("attempt_events", "attempt_id"),
    ("attempt_outcomes", "attempt_id"),
    ("parked_events", "attempt_id"),
    ("webhook_journal", "attempt_id"),
    ("inbox_items", "attempt_id"),
)
# Rows keyed by message, deleted once its targets and recipients are gone.
_BY_MESSAGE = (
    "inbox_items",
    "vendor_retries",
    "email_batches",
    "message_mode_stats",
    "message_calendars",
    "sms_replies",
)
TABLES = (
    *(t for t, _ in _BY_ATTEMPT),
    "attempts",
    "targets",
    "recipients",
    *_BY_MESSAGE,
    "messages",
)


@dataclass
class PassResult:
    """What one pass deleted, per table, and the messages it finished."""

    rows: dict[str, int] = field(default_factory=dict)
    messages: list[int] = field(default_factory=list)

    def add(self, table: str, count: int) -> None:
        if count:
            self.rows[table] = self.rows.get(table, 0) + count
            PURGED_ROWS.labels(table).inc(count)


async def _purge_targets(tx: Transaction, message_id: int, batch: int, result: PassResult) -> int:
    """Deletes up to ``batch`` targets of the message with everything keyed by them."""
    rows = await tx.fetch_all(
        "SELECT id FROM targets WHERE message_id = ? ORDER BY id LIMIT ?", (message_id, batch)
    )
    ids = [int(r["id"]) for r in rows]
    if not ids:
        return 0
    marks = in_marks(len(ids))
    attempts = f"SELECT id FROM attempts WHERE target_id IN ({marks})"  # noqa: S608
    for table, column in _BY_ATTEMPT:
        count = await tx.execute(
            f"DELETE FROM {table} WHERE {column} IN ({attempts})",  # noqa: S608
            ids,
        )
        result.add(table, count)
    result.add(
        "attempts",
        await tx.execute(f"DELETE FROM attempts WHERE target_id IN ({marks})", ids),  # noqa: S608
    )
    result.add(
        "targets",
        await tx.execute(f"DELETE FROM targets WHERE id IN ({marks})", ids),  # noqa: S608
    )
    return len(ids)


async def _purge_recipients(
    tx: Transaction, message_id: int, batch: int, result: PassResult
) -> int:
    count = await tx.execute(
        "DELETE FROM recipients WHERE id IN"
        " (SELECT id FROM recipients WHERE message_id = ? ORDER BY id LIMIT ?)",
        (message_id, batch),
    )
    result.add("recipients", count)
    return count


async def purge_message(db: Database, message_id: int, batch: int, result: PassResult) -> None:
    """Deletes one message and everything that belongs to it, in transactions of at most
    ``batch`` targets or recipients; the ``messages`` row goes last."""
    while True:
        async with db.transaction() as tx:
            if not await _purge_targets(tx, message_id, batch, result):
                break
    while True:
        async with db.transaction() as tx:
            if not await _purge_recipients(tx, message_id, batch, result):
                break
    async with db.transaction() as tx:
        for table in _BY_MESSAGE:
            result.add(
                table,
                await tx.execute(f"DELETE FROM {table} WHERE message_id = ?", (message_id,)),  # noqa: S608
            )
        result.add("messages", await tx.execute("DELETE FROM messages WHERE id = ?", (message_id,)))
    result.messages.append(message_id)


async def _expired(db: Database, district_id: int, cutoff_us: int, limit: int) -> list[int]:
    rows = await db.fetch_all(
        "SELECT id FROM messages WHERE district_id = ? AND end_time IS NOT NULL"
        " AND status NOT IN (?, ?) AND end_time < ? ORDER BY end_time, id LIMIT ?",
        (district_id, *_OPEN, cutoff_us, limit),
    )
    return [int(r["id"]) for r in rows]


async def purge_pass(
    db: Database, now_us: int, *, batch: int = 1000, max_messages: int = 100
) -> PassResult:
    """Purges up to ``max_messages`` messages past their district's period (oldest first) and
    updates the age gauges."""
    result = PassResult()
    districts = await db.fetch_all(
        "SELECT id, retention_days FROM districts WHERE retention_days > 0 ORDER BY id"
    )
    budget = max_messages
    for row in districts:
        district_id, days = int(row["id"]), int(row["retention_days"])
        cutoff = now_us - days * DAY_US
        if budget > 0:
            for message_id in await _expired(db, district_id, cutoff, budget):
                await purge_message(db, message_id, batch, result)
                budget -= 1
        oldest = await db.fetch_one(
            "SELECT min(end_time) AS oldest FROM messages WHERE district_id = ?"
            " AND end_time IS NOT NULL"
            " AND status NOT IN (?, ?)",
            (district_id, *_OPEN),
        )
        label = str(district_id)
        PERIOD.labels(label).set(days * 86_400)
        oldest_us = oldest["oldest"] if oldest is not None else None
        age = 0.0 if oldest_us is None else (now_us - int(oldest_us)) / 1e6
        OLDEST_AGE.labels(label).set(max(age, 0.0))
    return result


class Purger:
    """The retention purge as a background component of the dispatch process."""

    def __init__(
        self,
        db: Database,
        now_us: Callable[[], int],
        *,
        interval_seconds: float,
        batch: int = 1000,
        max_messages: int = 100,
    ) -> None:
        self._db = db
        self._now_us = now_us
        self._interval = interval_seconds
        self._batch = batch
        self._max_messages = max_messages
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None and self._interval > 0:
            self._task = asyncio.create_task(self._run(), name="dispatch-retention")

    async def stop(self) -> None:
        await cancel_task(self._task)
        self._task = None

    async def run_once(self) -> PassResult:
        result = await purge_pass(
            self._db, self._now_us(), batch=self._batch, max_messages=self._max_messages
        )
        if result.messages:
            await self._db.reclaim_space(TABLES)
            log.info(
                "retention purge",
                extra={"messages": len(result.messages), "rows": sum(result.rows.values())},
            )
        return result

    async def _run(self) -> None:
        while True:
            try:
                result = await self.run_once()
            except Exception:  # a failed pass is retried at the next interval
                log.exception("retention purge failed")
                result = PassResult()
            # Behind (a full pass): go on at once, yielding to other work between passes.
            busy = len(result.messages) >= self._max_messages
            await asyncio.sleep(0 if busy else self._interval)
