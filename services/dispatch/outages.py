"""What dispatch does when a vendor fails: circuit breakers, held requests, horizons.

``Outages`` decides for each job (docs/dispatch.md "Vendor outages"):
- before sending: the breaker of its vendor and channel admits it, or it is held until the
  next probe (no try counted);
- after a vendor failure: held for a later try (``RetrySchedule``), or Vendor Error once its
  horizon has passed;
- on the scheduler's turn: held requests that are due go back to the pools (a closed
  breaker: as many as there is room for; an open one: one probe), non-emergency voice and
  text wait for the dialing window, and requests past their horizon behind an open breaker
  end Vendor Error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from smlog.config import Settings
from smlog.services.dispatch import vendor_metrics as vm
from smlog.services.dispatch.breaker import CHANNELS, Admission, Breaker
from smlog.services.dispatch.catalog import Catalog
from smlog.services.dispatch.policy import EMAIL, TEXT, VOICE
from smlog.services.dispatch.pools import EmailJob, Job
from smlog.services.dispatch.record import Answer
from smlog.services.dispatch.retries import (
    Held,
    Hold,
    RetrySchedule,
    claim_holds,
    due_holds,
    jobs_of,
)
from smlog.services.dispatch.send import Failure
from smlog.store import Database
from smlog.v1.common_pb2 import DeviceStatus

__all__ = ["Outages", "Turn"]

_EXPIRED = "vendor unavailable until the retry horizon"


@dataclass
class Turn:
    """What one scheduler turn found among the held requests."""

    jobs: list[Job] = field(default_factory=list)
    expired: list[Answer] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # rows with nothing left to send
    deferred: list[tuple[int, int, str]] = field(default_factory=list)  # (due, shift, key)
    resumed: list[int] = field(default_factory=list)  # modes whose breaker closed: due now


class Outages:
    def __init__(self, settings: Settings, catalog: Catalog) -> None:
        self.schedule = RetrySchedule.from_settings(settings)
        self._catalog = catalog
        self._lease_us = int(settings.dispatch_lease_seconds * 1_000_000)
        probe_us = int(settings.vendor_breaker_probe_seconds * 1_000_000)
        self._closed: set[int] = set()  # modes whose breaker closed since the last turn
        self.breakers = {
            mode: Breaker(
                settings.vendor_breaker_failures,
                probe_us,
                on_change=self._observer(mode),
            )
            for mode in CHANNELS
        }
        self.retrying: set[str] = set()  # keys of held requests handed to a pool again
        self.any_held = True  # unknown at start; False once a turn found the table empty

    def _observer(self, mode: int) -> Callable[[bool], None]:
        channel = CHANNELS[mode]

        def changed(is_open: bool) -> None:
            vm.BREAKER_OPEN.labels(channel.vendor, channel.name).set(int(is_open))
            if is_open:
                vm.BREAKER_OPENED.labels(channel.vendor, channel.name).inc()
            else:
                self._closed.add(mode)  # the vendor is back: its held requests are due now

        vm.BREAKER_OPEN.labels(channel.vendor, channel.name).set(0)
        return changed

    # -- per job ---------------------------------------------------------------------------

    def breaker(self, job: Job) -> Breaker:
        return self.breakers[_mode(job)]

    def claim_limit(self, mode: int, now_us: int) -> int | None:
        """None: claim freely; else at most this many (0 while the breaker is open, 1 when
        a probe is due and nothing held is waiting to be it)."""
        breaker = self.breakers.get(mode)
        if breaker is None or not breaker.open:
            return None
        return 1 if breaker.probe_due(now_us) else 0

    def paused(self, job: Job, now_us: int) -> Hold:
        """The job the open breaker refused: held until the next probe, no try counted."""
        retry = job.retry or self.schedule.start(job.priority, now_us)
        due = min(self.breaker(job).next_try_us(now_us), retry.give_up_us)
        self._count_held(job)
        self.any_held = True
        return Hold(job, retry, due, "breaker_open")

    def failed(
        self, job: Job, failure: Failure, admission: Admission, now_us: int
    ) -> Answer | Hold:
        """After a vendor failure: a later try, or Vendor Error past the horizon."""
        self.breaker(job).failed(now_us, admission)
        retry = job.retry or self.schedule.start(job.priority, now_us)
        retry = dataclasses.replace(retry, tries=retry.tries + 1)
        if now_us >= retry.give_up_us:
            return self.expired(job, failure.code, now_us)
        wait = self.schedule.backoff_us(retry.tries, failure.retry_after)
        due = min(now_us + wait, retry.give_up_us)
        due = max(due, self.breaker(job).next_try_us(now_us))
        self._count_held(job)
        self.any_held = True
        return Hold(job, retry, min(due, retry.give_up_us), failure.code)

    def expired(self, job: Job, code: str, now_us: int) -> Answer:
        channel = CHANNELS[_mode(job)]
        vm.HORIZON_REACHED.labels(channel.vendor, channel.name).inc(len(job.attempt_ids))
        return Answer(
            job.attempt_ids,
            now_us,
            final_status=DeviceStatus.DEVICE_STATUS_VENDOR_ERROR,
            code=code,
            detail=_EXPIRED,
            batch_key=job.idempotency_key if isinstance(job, EmailJob) else None,
            retry_key=job.idempotency_key if job.retry is not None else None,
        )

    def _count_held(self, job: Job) -> None:
        channel = CHANNELS[_mode(job)]
        vm.REQUESTS_HELD.labels(channel.vendor, channel.name).inc()

    # -- per scheduler turn ----------------------------------------------------------------

    async def take_due(
        self, db: Database, room: Callable[[int], int], now_us: int, *, writing: bool
    ) -> Turn:
        """Held requests due now, per mode within ``room(mode)`` jobs. ``writing``: holds
        are waiting in the writer (the table is not the whole story yet)."""
        turn = Turn(resumed=sorted(self._closed))
        self._closed.clear()
        if not self.any_held:
            return turn
        if await db.fetch_one("SELECT 1 FROM vendor_retries LIMIT 1") is None:
            self.any_held = writing or bool(self.retrying)
            return turn
        for mode, breaker in self.breakers.items():
            if breaker.open:
                await self._expire(db, mode, now_us, turn)
                want = 1 if breaker.probe_due(now_us) else 0
            else:
                want = room(mode)
            if want <= 0:
                continue
            held = [
                h
                for h in await due_holds(db, mode, now_us, want + len(self.retrying))
                if h.key not in self.retrying
            ][:want]
            held = await self._inside_window(held, now_us, turn)
            # Several workers read the same due rows: each row goes to one of them.
            held = await claim_holds(db, held, now_us + self._lease_us)
            jobs, stale = await jobs_of(db, held)
            turn.jobs += jobs
            turn.stale += stale
        self.retrying.update(job.idempotency_key for job in turn.jobs)
        self.retrying.update(a.retry_key for a in turn.expired if a.retry_key is not None)
        return turn

    async def _expire(self, db: Database, mode: int, now_us: int, turn: Turn) -> None:
        """Behind an open breaker, requests whose horizon passed end Vendor Error now."""
        held = [
            h
            for h in await due_holds(db, mode, now_us, 500, by="give_up_time")
            if h.key not in self.retrying
        ]
        jobs, stale = await jobs_of(db, held)
        codes = {h.key: h.code for h in held}
        turn.expired += [self.expired(job, codes[job.idempotency_key], now_us) for job in jobs]
        turn.stale += stale

    async def _inside_window(self, held: list[Held], now_us: int, turn: Turn) -> list[Held]:
        """Non-emergency voice and text held past the dialing window wait for its opening;
        the wait does not count against their horizon."""
        kept = []
        for h in held:
            if h.mode in (VOICE, TEXT) and h.priority > 0:
                opening = (await self._catalog.message(h.message_id)).window.next_opening(now_us)
                if opening is not None:
                    turn.deferred.append((opening, opening - now_us, h.key))
                    continue
            kept.append(h)
        return kept


def _mode(job: Job) -> int:
    return EMAIL if isinstance(job, EmailJob) else job.mode
