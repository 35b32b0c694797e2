"""The loops that drive the stages (``service.py`` lists them in campaign order).

- scheduler: puts held requests that are due back in the pools (``outages``), claims due
  targets in batches (``claim``) while the pools have room, and puts the jobs in the vendor
  pools (``pools``, sending through ``send``); woken by StartDispatch, by pools with room,
  and on a poll;
- outages: a circuit breaker per vendor and channel; vendor failures are held in the store
  for a later try until the horizon of the message's type (``retries``);
- writer: vendor answers written in batches (``record``);
- outcomes: the status service's outbox drained on a nudge, on a poll and at start-up
  (``settle``);
- deadlines: a periodic sweep (``deadlines``); gauges: a periodic refresh;
- leases: every third of the lease, the leases of what this worker holds are renewed and
  what a dead worker left is taken over (``lease``);
- flow: the status path's lag measured, and the limit on claims it sets (``flow``).
CancelMessage runs ``cancel``. At start-up, attempts stored but not known to be sent are
re-sent with their keys (``lease.take_over``, ``resume``). ``AttemptState`` holds what is in
memory about attempts. Several workers may run on one PostgreSQL database (docs/scale-out.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from smlog.clock import now_us as wall_now_us
from smlog.config import Settings
from smlog.runtime.tasks import wait_event
from smlog.services.dispatch import metrics
from smlog.services.dispatch import vendor_metrics as vm
from smlog.services.dispatch.attempt_state import AttemptState
from smlog.services.dispatch.breaker import CHANNELS, Admission
from smlog.services.dispatch.cancel import cancel_message
from smlog.services.dispatch.catalog import Catalog
from smlog.services.dispatch.claim import claim_due
from smlog.services.dispatch.clock import Clock
from smlog.services.dispatch.deadlines import expire_deadlines
from smlog.services.dispatch.faults import Faults
from smlog.services.dispatch.flow import FlowControl, measure_lag
from smlog.services.dispatch.lease import Lease, renew, take_over
from smlog.services.dispatch.outages import Outages
from smlog.services.dispatch.policy import (
    EMAIL,
    INBOX,
    MODE_NAMES,
    PRIORITY_NAMES,
    TEXT,
    VOICE,
    DispatchPolicy,
)
from smlog.services.dispatch.pools import EmailJob, Job, VendorPool
from smlog.services.dispatch.record import Answer, ResultWriter
from smlog.services.dispatch.retries import Hold
from smlog.services.dispatch.send import Failure, Senders
from smlog.services.dispatch.settle import Settled, drain_outcomes
from smlog.store import Database
from smlog.v1.common_pb2 import DeviceStatus
from smlog.vendors import EmailClient, TextClient, VoiceClient

__all__ = ["Dispatcher"]

log = logging.getLogger("smlog.dispatch")
SEND_TRIES = 3  # tries of a job that fails before its vendor request (not vendor errors)
SEND_RETRY_SECONDS = 1.0
CANCEL_RETRY_MAX_SECONDS = 10.0  # between tries of closing what a cancel elsewhere left here
DRAIN_COALESCE_SECONDS = 0.05


class Dispatcher:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        clock: Clock,
        catalog: Catalog,
        *,
        voice: VoiceClient,
        text: TextClient,
        email: EmailClient,
    ) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.policy = DispatchPolicy.from_settings(settings)
        self.catalog = catalog
        self.attempts = AttemptState()
        self.lease = Lease(settings.worker_name(), settings.dispatch_lease_seconds)
        self._outcomes_held = False
        self.claim_passes = 0  # scheduler passes completed (tests wait for one to have run)
        self.canceled: set[int] = set()
        self._failures: dict[str, int] = {}  # idempotency key -> failed tries before sending
        self._clients = (voice, text, email)
        self._senders = Senders(settings, self.catalog, clock, voice=voice, text=text, email=email)
        self.outages = Outages(settings, self.catalog)
        self.faults = Faults()
        self.writer = ResultWriter(
            db,
            self.policy,
            attempts=self.attempts,
            retrying=self.outages.retrying,
            after=self._recorded,
            flush_rows=settings.dispatch_flush_rows,
            flush_seconds=settings.dispatch_flush_seconds,
        )
        self.writer.faults = self.faults
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
        self._side_tasks: set[asyncio.Task[None]] = set()
        self.flow = FlowControl(
            settings.dispatch_flow_target_lag_seconds, settings.dispatch_flow_min_per_second
        )
        self._tokens = 0.0  # attempts flow control lets the scheduler claim now
        self._refilled: float | None = None
        self._claimed = 0  # vendor-sent attempts claimed since the last flow decision

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        resumed = (await take_over(self.db, self.lease, self.clock.now_us(), None, start=True)).jobs
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
            ("leases", self._lease_loop),
            ("flow", self._flow_loop),
        ]
        self._tasks = [asyncio.create_task(run(), name=f"dispatch-{n}") for n, run in loops]

    async def stop(self) -> None:
        for task in [*self._tasks, *self._side_tasks]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._side_tasks, return_exceptions=True)
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
        count, settled = await self._close(message_id)
        self._after(settled)
        return count

    async def _close(self, message_id: int, *, again: bool = False) -> tuple[int, Settled]:
        """Run ``cancel`` for ``message_id`` as this worker (what it is sending stays open)."""
        return await cancel_message(
            self.db,
            message_id,
            self.policy,
            self.clock.now_us(),
            self.attempts.sending,
            self.lease.worker,
            again=again,
        )

    def canceled_elsewhere(self, message_id: int) -> None:
        """Another worker canceled ``message_id``: stop sending its jobs, and close the unsent
        attempts this worker holds (they are skipped from now on, so none is left open)."""
        if message_id in self.canceled:
            return  # canceled here, or told already
        self.canceled.add(message_id)
        self._spawn(self._cancel_held(message_id))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work, name="dispatch-side-task")
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

    async def _cancel_held(self, message_id: int) -> None:
        # Until it succeeds: the jobs skipped meanwhile stay stored unsent under this worker's
        # lease (if it dies, another worker takes them over and sends them).
        tries = 0
        while True:
            tries += 1
            try:
                _, settled = await self._close(message_id, again=True)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("closing a canceled message's attempts failed (try %d)", tries)
                await asyncio.sleep(min(SEND_RETRY_SECONDS * tries, CANCEL_RETRY_MAX_SECONDS))
                continue
            self._after(settled)
            return

    # -- sending ---------------------------------------------------------------------------

    def _pool(self, job: Job) -> VendorPool:
        return self.mailgun if isinstance(job, EmailJob) else self.voxology

    def _put(self, job: Job) -> None:
        self.attempts.queued(job.attempt_ids)
        self._pool(job).put(job)

    async def _handle(self, job: Job) -> None:
        if job.message_id in self.canceled:
            self.attempts.settled(job.attempt_ids)
            self.outages.retrying.discard(job.idempotency_key)  # its row: stale, dropped later
            return  # the cancel's transaction made these attempts Canceled
        breaker = self.outages.breaker(job)
        admission = breaker.admit(self.clock.now_us())
        if admission is Admission.REFUSED:
            self.writer.hold(self.outages.paused(job, self.clock.now_us()))
            return
        self.attempts.started(job.attempt_ids)
        try:
            if self.faults.before_send is not None:
                await self.faults.before_send(job)
            sent = await self._senders.send(job)
        except asyncio.CancelledError:
            breaker.abandoned(admission)
            self.attempts.stopped(job.attempt_ids)
            raise
        except Exception:
            breaker.abandoned(admission)
            # Not a vendor answer (those are Answers): a store read or a bug before the request
            # went out. Retry a few times with the same key, then close the attempts as Vendor
            # Error, so that no attempt waits for a restart that may never come.
            self.attempts.stopped(job.attempt_ids)
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
                retry_key=job.idempotency_key if job.retry is not None else None,
            )
            self.writer.add(answer)
            return
        self._failures.pop(job.idempotency_key, None)
        if isinstance(sent, Failure):
            self._record(self.outages.failed(job, sent, admission, self.clock.now_us()))
            return
        breaker.succeeded(admission)
        if job.retry is not None:
            sent = dataclasses.replace(sent, retry_key=job.idempotency_key)
        self.writer.add(sent)

    def _record(self, result: Answer | Hold) -> None:
        if isinstance(result, Hold):
            self.writer.hold(result)
        else:
            self.writer.add(result)

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

    async def _retry_held(self) -> bool:
        """Held requests that are due go back to the pools first: they are the oldest work."""
        now = self.clock.now_us()
        turn = await self.outages.take_due(
            self.db,
            lambda mode: self._pool_of(mode).room(),
            now,
            writing=self.writer.holding,
        )
        for job in turn.jobs:
            self._put(job)
        for answer in turn.expired:
            self.writer.add(answer)
        if turn.stale or turn.deferred or turn.resumed:
            async with self.db.transaction() as tx:
                tx.queue(
                    "UPDATE vendor_retries SET due_time = ? WHERE mode = ? AND due_time > ?",
                    [(now, mode, now) for mode in turn.resumed],
                )
                tx.queue(
                    "DELETE FROM vendor_retries WHERE idempotency_key = ?",
                    [(key,) for key in turn.stale],
                )
                tx.queue(
                    "UPDATE vendor_retries SET due_time = ?, give_up_time = give_up_time + ?"
                    " WHERE idempotency_key = ?",
                    turn.deferred,
                )
        return bool(turn.jobs or turn.expired)

    def _pool_of(self, mode: int) -> VendorPool:
        return self.mailgun if mode == EMAIL else self.voxology

    async def _claim_once(self) -> bool:
        retried = await self._retry_held()
        batch = self.settings.dispatch_claim_batch
        phone_room = min(self.voxology.room(), batch)
        email_room = min(self.mailgun.room(), 2) * self.settings.dispatch_email_batch_size
        wants: dict[int, int] = {
            INBOX: batch,
            EMAIL: email_room,
            VOICE: phone_room,
            TEXT: phone_room,
        }
        now = self.clock.now_us()
        budget = self._flow_budget()
        for sent_by_vendor in (EMAIL, VOICE, TEXT):
            limit = self.outages.claim_limit(sent_by_vendor, now)
            if limit is not None:
                wants[sent_by_vendor] = min(wants[sent_by_vendor], limit)
            if budget is not None:
                wants[sent_by_vendor] = min(wants[sent_by_vendor], budget)
        claim = await claim_due(
            self.db,
            self.catalog,
            self.policy,
            self.clock.now_us(),
            wants,
            self.settings.dispatch_email_batch_size,
            self.lease,
        )
        for job in claim.jobs:
            self._put(job)
        for mode, count in claim.created.items():
            metrics.ATTEMPTS_CREATED.labels(MODE_NAMES[mode]).inc(count)
            if mode != INBOX:  # sent to a vendor: callbacks will follow
                self._claimed += count
                self._tokens -= count
        self._after(claim.settled)
        self._after(claim.opted_out)  # texts closed by a STOP since the start
        self.claim_passes += 1
        return retried or claim.full or claim.deferred > 0

    # -- settling --------------------------------------------------------------------------

    def _after(self, settled: Settled) -> None:
        metrics.observe_settled(settled)
        if settled.redials:
            self.wake()

    def _recorded(self, settled: Settled) -> None:
        """After the writer's flush: outcomes held for its attempts may be drained now."""
        self._after(settled)
        if self._outcomes_held:
            self.nudge()

    async def _drain(self) -> tuple[int, Settled]:
        if self.writer.pending:
            await self.writer.flush()  # answers first: fewer outcomes held back below
        count, settled, held = await drain_outcomes(
            self.db,
            self.policy,
            self.settings.dispatch_outcome_batch,
            self.attempts.unrecorded,
            worker=self.lease.worker,
            now_us=self.clock.now_us(),
        )
        self._outcomes_held = held > 0
        self._after(settled)
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
            # Status applies callbacks as it journals them and nudges after each group commit:
            # let a few commits' outcomes gather, one drain (and one write lock) for them all.
            await asyncio.sleep(DRAIN_COALESCE_SECONDS)

    async def _deadline_loop(self) -> None:
        limit = self.settings.dispatch_outcome_batch
        while True:
            try:
                count, settled = await expire_deadlines(
                    self.db, self.policy, self.clock.now_us(), limit
                )
                self._after(settled)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("expiring status deadlines failed")
                count = 0
            if count < limit:
                await asyncio.sleep(self.settings.dispatch_deadline_sweep_seconds)

    async def _lease_loop(self) -> None:
        """Renew what this worker holds; take over what a dead worker's lease left."""
        while True:
            await asyncio.sleep(self.lease.seconds / 3)
            try:
                await renew(self.db, self.lease, self.clock.now_us())
                await self._take_over()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("renewing or taking over leases failed")

    async def _take_over(self) -> None:
        batch = self.settings.dispatch_claim_batch
        while True:
            taken = await take_over(self.db, self.lease, self.clock.now_us(), batch)
            held = self.attempts.unrecorded
            for job in taken.jobs:
                # Its own, lapsed while the store was away: still queued here, not sent twice.
                if not held.isdisjoint(job.attempt_ids):
                    continue
                if job.message_id in self.canceled:  # close it, as a cancel here would
                    self._spawn(self._cancel_held(job.message_id))
                    continue
                self._put(job)
            if taken.attempts or taken.batches:
                log.warning(
                    "took over attempts of a dispatch worker whose lease ran out",
                    extra={"attempts": taken.attempts, "email_batches": taken.batches},
                )
            if not taken.full:
                return

    # -- flow control ----------------------------------------------------------------------

    def _flow_budget(self) -> int | None:
        """Vendor-sent attempts the scheduler may claim now (None: no limit): a token bucket
        filled at the flow limit, holding at most one second of it."""
        rate = self.flow.rate
        now = time.monotonic()
        if rate is None:
            self._refilled = None
            return None
        if self._refilled is None:
            self._tokens = rate * self.settings.dispatch_poll_seconds
        else:
            self._tokens = min(self._tokens + rate * (now - self._refilled), rate)
        self._refilled = now
        return max(int(self._tokens), 0)

    async def _flow_loop(self) -> None:
        interval = max(self.settings.dispatch_flow_seconds, 0.05)
        last = time.monotonic()
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            sent_rate = self._claimed / max(now - last, 1e-3)
            self._claimed, last = 0, now
            try:
                lag = await measure_lag(self.db, wall_now_us())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("measuring the status lag failed")
                continue
            before = self.flow.rate
            rate = self.flow.update(lag.seconds, sent_rate, now)
            metrics.STATUS_LAG.labels("apply").set(lag.apply_s)
            metrics.STATUS_LAG.labels("callbacks").set(lag.callbacks_s)
            metrics.STATUS_LAG.labels("journal").set(lag.journal_s)
            metrics.STATUS_LAG.labels("settle").set(lag.settle_s)
            metrics.FLOW_LIMIT.set(rate or 0)
            if rate is not None:
                metrics.FLOW_LIMITED_SECONDS.inc(interval)
            if (before is None) != (rate is None):
                log.info(
                    "flow control %s", "limits sending" if rate is not None else "lifted",
                    extra={"status_lag_s": round(lag.seconds, 3),
                           "limit_per_s": round(rate or 0), "sent_per_s": round(sent_rate)},
                )  # fmt: skip
            if rate is None and before is not None:
                self.wake()

    async def _gauge_loop(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self._refresh_gauges()
            await asyncio.sleep(self.settings.dispatch_gauge_seconds)

    async def _refresh_gauges(self) -> None:
        rows = await self.db.fetch_all(
            "SELECT priority, COUNT(*) AS due FROM targets WHERE next_attempt_time IS NOT NULL"
            " AND next_attempt_time <= ? GROUP BY priority",
            (self.clock.now_us(),),
        )
        due = {int(r["priority"]): int(r["due"]) for r in rows}
        for priority, name in PRIORITY_NAMES.items():
            metrics.DUE_TARGETS.labels(name).set(due.get(priority, 0))
            for pool in (self.voxology, self.mailgun):
                depth = pool.depth_by_priority().get(priority, 0)
                metrics.POOL_DEPTH.labels(pool.name, name).set(depth)
        held = {
            int(r["mode"]): int(r["held"])
            for r in await self.db.fetch_all(
                "SELECT mode, SUM(attempt_count) AS held FROM vendor_retries GROUP BY mode"
            )
        }
        for mode, channel in CHANNELS.items():
            vm.ATTEMPTS_HELD.labels(channel.vendor, channel.name).set(held.get(mode, 0))
        row = await self.db.fetch_one("SELECT COUNT(*) AS campaigns FROM messages WHERE status = 1")
        metrics.CAMPAIGNS_IN_FLIGHT.set(int(row["campaigns"]) if row is not None else 0)
