"""The status service's background worker: applies the webhook journal in batches (woken by
each group commit, and at start for rows a crash left unapplied), retries parked events,
and keeps the status tables small. Follow-ups run after each commit: metrics, telling
dispatch, answering HELP.

HELP is answered at most once per number and short code per ``HELP_ANSWER_WINDOW_SECONDS``:
a phone or bot that answers every text with HELP (the Voxology simulator's +15555550126 does)
would otherwise get our answer, reply HELP to it, and be texted for ever."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from smlog.clock import now_us
from smlog.config import Settings
from smlog.runtime.tasks import cancel_task, wait_event
from smlog.services.status import metrics
from smlog.services.status.journal_apply import JournalBatch, apply_journal_batch
from smlog.services.status.notifier import OutcomeNotifier
from smlog.services.status.optout import HelpReply, Keyword
from smlog.services.status.parking import expire_parked, prune, retry_parked
from smlog.store import Database
from smlog.vendors import TextClient, VendorError

__all__ = ["StatusWorker"]

log = logging.getLogger("smlog.status.worker")

_MAINTENANCE_SECONDS = 60.0
_COALESCE_SECONDS = 0.01
# How often the journal is read from its oldest new row rather than from the last one read
# (``drain``): a row committed late below that one is applied within this time.
FULL_READ_SECONDS = 5.0
HELP_ANSWER_WINDOW_SECONDS = 3600.0
_HELP_ANSWERS_REMEMBERED = 100_000


class StatusWorker:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        notifier: OutcomeNotifier,
        texts: TextClient | None = None,
    ) -> None:
        self._db = db
        self._settings = settings
        self._notifier = notifier
        self._texts = texts
        self._wake = asyncio.Event()
        self._since_id = 0  # the oldest row the last read found new
        self._next_full_read = 0.0  # monotonic time of the next read from the start
        self._task: asyncio.Task[None] | None = None
        self._replies: set[asyncio.Task[None]] = set()
        # (number, short code) -> when HELP was last answered (monotonic), oldest first.
        self._help_answered: dict[tuple[str, str], float] = {}

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        if self._task is None:
            await self.drain()  # crash recovery: rows journaled but not applied yet
            self._task = asyncio.create_task(self._run(), name="status-worker")

    async def stop(self) -> None:
        await cancel_task(self._task)
        self._task = None
        with contextlib.suppress(Exception):
            await self.drain()
        for task in list(self._replies):
            task.cancel()
        await asyncio.gather(*self._replies, return_exceptions=True)

    async def drain(self) -> int:
        """Apply journal rows until none is new; returns how many rows were handled.

        Reads start at the oldest row the previous read found new: below it every row was
        applied then, and each applied row still costs a read from the start of the new ones a
        visit until it is vacuumed (thousands a second in a burst). A row that another status
        instance committed late, below that point, is found by the read from the start that
        runs every ``FULL_READ_SECONDS`` (and the first one)."""
        total = 0
        limit = max(self._settings.status_apply_batch_size, 1)
        while True:
            now = now_us()
            since = self._since_id
            if time.monotonic() >= self._next_full_read:
                since = 0
                self._next_full_read = time.monotonic() + FULL_READ_SECONDS
            batch = await apply_journal_batch(
                self._db, limit, now, self._settings.voxology_from_number, since_id=since
            )
            if batch.first_id is not None:
                self._since_id = batch.first_id
            total += batch.rows
            self._after_commit(batch, now)
            if batch.skipped or batch.rows < limit:
                return total

    async def retry_parked(self) -> int:
        now = now_us()
        result = await retry_parked(self._db, max(self._settings.status_apply_batch_size, 1), now)
        if result is None:
            return 0
        self._notifier.offer(result.outcomes)
        return len(result.dispositions)

    async def maintain(self) -> None:
        now = now_us()
        s = self._settings
        expired = await expire_parked(self._db, now - int(s.status_parked_ttl_seconds * 1e6))
        if expired:
            metrics.PARKED_EXPIRED.inc(expired)
            log.warning("dropped %d parked events whose attempt never appeared", expired)
        tokens_window = 2 * s.webhook_timestamp_tolerance_seconds + _MAINTENANCE_SECONDS
        await prune(
            self._db,
            tokens_before=now - int(tokens_window * 1e6),
            journal_before=now - int(s.status_journal_retention_seconds * 1e6),
        )

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_parked = loop.time()
        next_maintenance = loop.time()
        interval = max(self._settings.status_parked_retry_seconds, 0.05)
        while True:
            await wait_event(self._wake, interval)
            # Let a burst of commits gather: applying 2 rows per transaction would cost the
            # edge more than the few milliseconds this waits (the webhooks are answered).
            await asyncio.sleep(_COALESCE_SECONDS)
            self._wake.clear()
            try:
                await self.drain()
                if loop.time() >= next_parked:
                    await self.retry_parked()
                    next_parked = loop.time() + interval
                if loop.time() >= next_maintenance:
                    await self.maintain()
                    next_maintenance = loop.time() + _MAINTENANCE_SECONDS
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("status worker pass failed; retrying")
                await asyncio.sleep(interval)

    def _after_commit(self, batch: JournalBatch, now: int) -> None:
        if not batch.rows:
            return
        metrics.observe_applied(batch.events, batch.result.dispositions, now)
        for vendor in batch.unknown_codes:
            metrics.UNKNOWN_CODES.labels(vendor).inc()
        for vendor, reason in batch.rejected:
            metrics.REJECTED.labels(vendor, reason).inc()
        for keyword in batch.keywords:
            if keyword is Keyword.OTHER:
                metrics.OTHER_INBOUND.inc()
            elif keyword is not Keyword.HELP:
                metrics.OPT_CHANGES.labels(keyword.value).inc()
        self._notifier.offer(batch.result.outcomes)
        for reply in batch.help_replies:
            if not self._first_help_in_window(reply):
                metrics.HELP_REPLIES.labels("not_repeated").inc()
                continue
            task = asyncio.create_task(self._answer_help(reply), name="status-help-reply")
            self._replies.add(task)
            task.add_done_callback(self._replies.discard)

    def _first_help_in_window(self, reply: HelpReply) -> bool:
        """Whether this HELP gets an answer: none went to its number in the window."""
        now = time.monotonic()
        key = (reply.to, reply.short_code)
        last = self._help_answered.get(key)
        if last is not None and now - last < HELP_ANSWER_WINDOW_SECONDS:
            return False
        self._help_answered.pop(key, None)
        while len(self._help_answered) >= _HELP_ANSWERS_REMEMBERED:
            del self._help_answered[next(iter(self._help_answered))]
        self._help_answered[key] = now
        return True

    async def _answer_help(self, reply: HelpReply) -> None:
        if self._texts is None:
            metrics.HELP_REPLIES.labels("no_client").inc()
            return
        base = self._settings.status_public_url.rstrip("/")
        try:
            await self._texts.send_text(
                to=reply.to,
                body=self._settings.sms_help_reply.format(district=reply.district_name),
                idempotency_key=f"smlog-help-{reply.event_id}",
                status_callback=f"{base}/webhooks/voxology/sms?reply=help",
                from_=reply.short_code,
            )
        except VendorError as exc:
            metrics.HELP_REPLIES.labels("failed").inc()
            log.warning("HELP answer not sent: %s", exc.message)
            return
        metrics.HELP_REPLIES.labels("sent").inc()
