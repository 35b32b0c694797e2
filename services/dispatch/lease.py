"""Leases: what a dispatch worker claimed stays its own while it renews it; a dead worker's
claims are taken over by another worker once their lease ran out.

The claim (``claim``) stamps each attempt and email batch it stores with the worker's name
(``claimed_by``) and ``lease_until``. Until the vendor's answer is written (``request_time``
set), the worker renews the leases of what it holds every third of the lease. A worker killed
mid-send renews nothing: after ``dispatch_lease_seconds`` another worker's takeover pass
claims those attempts (``FOR UPDATE SKIP LOCKED``, so two workers never take the same one)
and sends them again under their stored idempotency key, so the vendor replays its first
answer rather than placing a second call. What is taken over is what ``resume`` re-sends at
start-up: requests held for a later try keep their schedule (``retries``), attempts dispatch
ended itself (canceled, Error, Vendor Error) stay ended.

At start-up a worker also takes back, at once, what its own previous run (same name) left.
On SQLite, one dispatch process runs per store: it takes everything unanswered at start-up,
whoever claimed it.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import Counter

from smlog.services.dispatch.policy import TEXT, VOICE
from smlog.services.dispatch.pools import Job
from smlog.services.dispatch.resume import ENDED_BY_US, email_job, phone_jobs
from smlog.store import Database, Transaction, row_lock
from smlog.store.dialect import POSTGRES

__all__ = ["TAKEOVERS", "UNNAMED", "Lease", "Takeover", "renew", "take_over"]

TAKEOVERS = Counter(
    "smlog_dispatch_lease_takeovers_total",
    "Attempts (voice and text) and email batches taken over from another dispatch worker"
    " whose lease ran out, and sent again with their idempotency key.",
    ["kind"],
)
for _kind in ("attempt", "email_batch"):
    TAKEOVERS.labels(_kind)  # 0 from the start: the dashboard shows none, not no data


@dataclass(frozen=True, slots=True)
class Lease:
    worker: str
    seconds: float

    def until(self, now_us: int) -> int:
        return now_us + int(self.seconds * 1_000_000)


# A worker without a name: a test's engine, or code that claims outside a running worker.
UNNAMED = Lease("", 30.0)


@dataclass
class Takeover:
    jobs: list[Job]
    attempts: int = 0  # taken from another worker
    batches: int = 0
    full: bool = False  # as many as the limit: more may be waiting


_UNANSWERED = (
    "request_time IS NULL AND mode IN (?, ?) AND (is_final = 0 OR status NOT IN (?, ?, ?))"
    " AND idempotency_key NOT IN (SELECT idempotency_key FROM vendor_retries)"
)
_UNANSWERED_PARAMS = (VOICE, TEXT, *ENDED_BY_US)
_BATCHES = (
    "request_time IS NULL AND idempotency_key NOT IN (SELECT idempotency_key FROM vendor_retries)"
)


async def renew(db: Database, lease: Lease, now_us: int) -> int:
    """Extend the leases this worker still holds; returns the attempts renewed. A lease that
    ran out is not renewed: another worker may have taken it over."""
    async with db.transaction() as tx:
        count = await tx.execute(
            "UPDATE attempts SET lease_until = ? WHERE lease_until >= ? AND claimed_by = ?"  # noqa: S608
            " AND " + _UNANSWERED,
            (lease.until(now_us), now_us, lease.worker, *_UNANSWERED_PARAMS),
        )
        await tx.execute(
            "UPDATE email_batches SET lease_until = ? WHERE lease_until >= ? AND claimed_by = ?"  # noqa: S608
            " AND " + _BATCHES,
            (lease.until(now_us), now_us, lease.worker),
        )
    return count


def _whose(
    tx: Transaction, lease: Lease, now_us: int, *, start: bool
) -> tuple[str, tuple[object, ...]]:
    """Which claims a pass may take: expired leases; at start-up this worker's own too, and
    on SQLite (one dispatch process) everything."""
    if start and tx.dialect != POSTGRES:
        return "", ()
    if start:
        return " AND (lease_until < ? OR claimed_by = ?)", (now_us, lease.worker)
    return " AND lease_until < ?", (now_us,)


async def take_over(
    db: Database, lease: Lease, now_us: int, limit: int | None, *, start: bool = False
) -> Takeover:
    """Claim up to ``limit`` (None: all) unanswered attempts and email batches whose lease ran
    out (at start-up, see ``_whose``), stamp them with this worker's lease, and return their
    jobs."""
    async with db.transaction() as tx:
        whose, params = _whose(tx, lease, now_us, start=start)
        if limit is not None:
            whose += " ORDER BY id LIMIT ?"
            params = (*params, limit)
        lock = row_lock(tx.dialect, skip_locked=True)
        rows = await tx.fetch_all(
            "SELECT id, claimed_by FROM attempts WHERE " + _UNANSWERED + whose  # noqa: S608
            + lock,
            (*_UNANSWERED_PARAMS, *params),
        )  # fmt: skip
        batches = await tx.fetch_all(
            "SELECT id, message_id, idempotency_key, first_attempt_id, last_attempt_id,"  # noqa: S608
            " claimed_by FROM email_batches WHERE " + _BATCHES + whose
            + lock,
            params,
        )  # fmt: skip
        until = lease.until(now_us)
        tx.queue(
            "UPDATE attempts SET claimed_by = ?, lease_until = ? WHERE id = ?",
            [(lease.worker, until, int(r["id"])) for r in rows],
        )
        tx.queue(
            "UPDATE email_batches SET claimed_by = ?, lease_until = ? WHERE id = ?",
            [(lease.worker, until, int(r["id"])) for r in batches],
        )
    result = Takeover(jobs=[])
    result.jobs += await phone_jobs(db, [(int(r["id"]), None) for r in rows])
    for b in batches:
        job = await email_job(
            db,
            int(b["message_id"]),
            str(b["idempotency_key"]),
            int(b["first_attempt_id"]),
            int(b["last_attempt_id"]),
            None,
        )
        if job is not None:
            result.jobs.append(job)
    result.full = limit is not None and max(len(rows), len(batches)) >= limit
    result.attempts = sum(1 for r in rows if str(r["claimed_by"]) != lease.worker)
    result.batches = sum(1 for b in batches if str(b["claimed_by"]) != lease.worker)
    if result.attempts:
        TAKEOVERS.labels("attempt").inc(result.attempts)
    if result.batches:
        TAKEOVERS.labels("email_batch").inc(result.batches)
    return result
