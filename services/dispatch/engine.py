"""The dispatch engine: the scheduler, the vendor pools, and the loops that settle results.

- scheduler: claims due targets in batches (``claims``) while the pools have room, and puts
  the jobs in the vendor pools; woken by StartDispatch, by pools with room, and on a poll;
- pools: bounded concurrency per vendor (``voxology_concurrency``, ``mailgun_concurrency``);
- writer: vendor answers written in batches (``results``);
- outcomes: the status service's outbox drained on a nudge, on a poll and at start-up;
- deadlines: a periodic sweep; gauges: a periodic refresh.
At start-up, attempts stored but not known to be sent are re-sent with their keys (``resume``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from services.dispatch import metrics
from services.dispatch.catalog import Catalog
from services.dispatch.claims import claim_due
from services.dispatch.clock import Clock
from services.dispatch.finals import Settled
from services.dispatch.jobs import EmailJob, Job, VendorPool
from services.dispatch.outcomes import cancel_message, drain_outcomes, expire_deadlines
from services.dispatch.policy import (
    EMAIL,
    INBOX,
    MODE_NAMES,
    PRIORITY_NAMES,
    TEXT,
    VOICE,
    DispatchPolicy,
)
from services.dispatch.results import Answer, ResultWriter
from services.dispatch.resume import unsent_jobs
from services.dispatch.senders import Senders
from smlog.config import Settings
from smlog.runtime.tasks import wait_event
from smlog.store import Database
from smlog.v1.common_pb2 import DeviceStatus
from smlog.vendors import EmailClient, TextClient, VoiceClient

__all__ = ["Dispatcher"]

log = logging.getLogger("smlog.dispatch")
SEND_TRIES = 3  # tries of a job that fails before its vendor request (not vendor errors)
SEND_RETRY_SECONDS = 1.0


class Dispatcher:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        clock: Clock,
        *,
        voice: VoiceClient,
        text: TextClient,
        email: EmailClient,
    ) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.policy = DispatchPolicy.from_settings(settings)
        self.catalog = Catalog(db)
        self.in_flight: set[int] = set()  # attempts a worker is sending now
        # Attempts handed to a pool whose vendor answer is not written yet: their outcomes
        # wait in the outbox (``drain_outcomes``), so a message never closes before the
        # answers of its attempts are stored.
        self.unrecorded: set[int] = set()
        self._outcomes_held = False
        self.claim_passes = 0  # scheduler passes completed (tests wait for one to have run)
        self.canceled: set[int] = set()
        self._failures: dict[str, int] = {}  # idempotency key -> failed tries before sending
        self._clients = (voice, text, email)
        self._senders = Senders(settings, self.catalog, clock, voice=voice, text=text, email=email)
        self.writer = ResultWriter(
            db,
            self.policy,
            in_flight=self.in_flight,
            unrecorded=self.unrecorded,
            after=self._recorded,
            flush_rows=settings.dispatch_flush_rows,
            flush_seconds=settings.dispatch_flush_seconds,
        )
        claim = settings.dispatch_claim_batch
        self.voxology = VendorPool(
            "voxology",
            settings.voxology_concurrency,
            max(settings.voxology_concurrency, claim),
            self._handle,
            self.wake,
        )
        self.mailgun = VendorPool(
            "mailgun",
            settings.mailgun_concurrency,
            max(2 * settings.mailgun_concurrency, 2),
            self._handle,
            self.wake,
        )
        self._wake = asyncio.Event()
        self._nudge = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        resumed = await unsent_jobs(self.db)
        for job in resumed:
            self._put(job)
        while (await self._drain())[0] >= self.settings.dispatch_outcome_batch:
            pass
        log.info("dispatch resumed", extra={"resent_jobs": len(resumed)})
        self.voxology.start()
        self.mailgun.start()
        loops: list[tuple[str, Callable[[], Coroutine[Any, Any, None]]]] = [
            ("scheduler", self._schedule_loop),
            ("writer", self.writer.run),
            ("outcomes", self._outcome_loop),
            ("deadlines", self._deadline_loop),
            ("gauges", self._gauge_loop),
        ]
        self._tasks = [asyncio.create_task(run(), name=f"dispatch-{n}") for n, run in loops]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.voxology.stop()
        await self.mailgun.stop()
        with contextlib.suppress(Exception):
            await self.writer.flush()
        for client in self._clients:
            await client.close()

    def wake(self) -> None:
        self._wake.set()

    def nudge(self) -> None:
        self._nudge.set()

    async def cancel(self, message_id: int) -> int:
        self.canceled.add(message_id)
        count, settled, results = await cancel_message(
            self.db, message_id, self.policy, self.clock.now_us(), self.in_flight
        )
        self._after(settled, results)
        return count

    # -- sending ---------------------------------------------------------------------------

    def _pool(self, job: Job) -> VendorPool:
        return self.mailgun if isinstance(job, EmailJob) else self.voxology

    def _put(self, job: Job) -> None:
        self.unrecorded.update(job.attempt_ids)
        self._pool(job).put(job)

    async def _handle(self, job: Job) -> None:
        if job.message_id in self.canceled:
            self.unrecorded.difference_update(job.attempt_ids)
            return  # the cancel's transaction made these attempts Canceled
        self.in_flight.update(job.attempt_ids)
        try:
            answer = await self._senders.send(job)
        except asyncio.CancelledError:
            self.in_flight.difference_update(job.attempt_ids)
            raise
        except Exception:
            # Not a vendor answer (those are Answers): a store read or a bug before the request
            # went out. Retry a few times with the same key, then close the attempts as Vendor
            # Error, so that no attempt waits for a restart that may never come.
            self.in_flight.difference_update(job.attempt_ids)
            tries = self._failures[job.idempotency_key] = (
                self._failures.get(job.idempotency_key, 0) + 1
            )
            log.exception("sending failed (try %d)", tries, extra={"key": job.idempotency_key})
            if tries < SEND_TRIES:
                asyncio.get_running_loop().call_later(
                    SEND_RETRY_SECONDS * tries, self._pool(job).put, job
                )
                return
            del self._failures[job.idempotency_key]
            answer = Answer(
                job.attempt_ids,
                self.clock.now_us(),
                final_status=DeviceStatus.DEVICE_STATUS_VENDOR_ERROR,
                code="internal",
                detail="not sent: internal error before the vendor request",
                batch_key=job.idempotency_key if isinstance(job, EmailJob) else None,
            )
        self._failures.pop(job.idempotency_key, None)
        self.writer.add(answer)

    async def _schedule_loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                progressed = await self._claim_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("claiming due targets failed")
                progressed = False
            if progressed:
                await asyncio.sleep(0)
                continue
            await wait_event(self._wake, self.settings.dispatch_poll_seconds)

    async def _claim_once(self) -> bool:
        batch = self.settings.dispatch_claim_batch
        phone_room = min(self.voxology.room(), batch)
        email_room = min(self.mailgun.room(), 2) * self.settings.dispatch_email_batch_size
        wants: dict[int, int] = {
            INBOX: batch,
            EMAIL: email_room,
            VOICE: phone_room,
            TEXT: phone_room,
        }
        claim = await claim_due(
            self.db,
            self.catalog,
            self.policy,
            self.clock.now_us(),
            wants,
            self.settings.dispatch_email_batch_size,
        )
        for job in claim.jobs:
            self._put(job)
        for mode, count in claim.created.items():
            metrics.ATTEMPTS_CREATED.labels(MODE_NAMES[mode]).inc(count)
        self._after(claim.settled, claim.results)
        metrics.observe_settled(claim.opted_out)  # texts closed by a STOP since the start
        self.claim_passes += 1
        return claim.full or claim.deferred > 0

    # -- settling --------------------------------------------------------------------------

    def _after(self, settled: Settled, results: list[tuple[int, int]]) -> None:
        metrics.observe_settled(settled)
        metrics.observe_results(results)
        if settled.redials:
            self.wake()

    def _recorded(self, settled: Settled, results: list[tuple[int, int]]) -> None:
        """After the writer's flush: outcomes held for its attempts may be drained now."""
        self._after(settled, results)
        if self._outcomes_held:
            self.nudge()

    async def _drain(self) -> tuple[int, Settled]:
        if self.writer.pending:
            await self.writer.flush()  # answers first: fewer outcomes held back below
        count, settled, results, held = await drain_outcomes(
            self.db, self.policy, self.settings.dispatch_outcome_batch, self.unrecorded
        )
        self._outcomes_held = held > 0
        self._after(settled, results)
        return count, settled

    async def _outcome_loop(self) -> None:
        while True:
            self._nudge.clear()
            try:
                count, _ = await self._drain()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("draining attempt outcomes failed")
                count = 0
            if count >= self.settings.dispatch_outcome_batch:
                continue
            await wait_event(self._nudge, self.settings.dispatch_outcome_poll_seconds)

    async def _deadline_loop(self) -> None:
        limit = self.settings.dispatch_outcome_batch
        while True:
            try:
                count, settled, results = await expire_deadlines(
                    self.db, self.policy, self.clock.now_us(), limit
                )
                self._after(settled, results)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("expiring status deadlines failed")
                count = 0
            if count < limit:
                await asyncio.sleep(self.settings.dispatch_deadline_sweep_seconds)

    async def _gauge_loop(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self._refresh_gauges()
            await asyncio.sleep(self.settings.dispatch_gauge_seconds)

    async def _refresh_gauges(self) -> None:
        rows = await self.db.fetch_all(
            "SELECT priority, COUNT(*) FROM targets WHERE next_attempt_time IS NOT NULL"
            " AND next_attempt_time <= ? GROUP BY priority",
            (self.clock.now_us(),),
        )
        due = {int(r[0]): int(r[1]) for r in rows}
        for priority, name in PRIORITY_NAMES.items():
            metrics.DUE_TARGETS.labels(name).set(due.get(priority, 0))
            for pool in (self.voxology, self.mailgun):
                depth = pool.depth_by_priority().get(priority, 0)
                metrics.POOL_DEPTH.labels(pool.name, name).set(depth)
        row = await self.db.fetch_one("SELECT COUNT(*) FROM messages WHERE status = 1")
        metrics.CAMPAIGNS_IN_FLIGHT.set(int(row[0]) if row is not None else 0)
