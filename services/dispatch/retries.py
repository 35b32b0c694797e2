"""Durable retries after a vendor failure (docs/dispatch.md "Vendor outages").

A request that failed (5xx, 429, timeout, connection) or that the vendor's open circuit
breaker held back is not slept on in memory: a ``vendor_retries`` row records its next try
(exponential backoff with equal jitter, at least the vendor's ``Retry-After``) and its
horizon (by message type). The row is written with the vendor answers (``results``) and
survives a restart; the scheduler sends held requests again when due, under the same
idempotency key (an email batch with the same recipients). After the horizon the attempt is
Vendor Error.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from smlog.config import Settings
from smlog.services.dispatch.policy import EMAIL
from smlog.services.dispatch.pools import EmailJob, Job, PhoneJob, Retry
from smlog.services.dispatch.resume import email_job, phone_jobs
from smlog.store import Database, Transaction

__all__ = ["Held", "Hold", "RetrySchedule", "due_holds", "jobs_of", "write_holds"]

_US = 1_000_000


@dataclass(frozen=True)
class RetrySchedule:
    """Backoff and horizons in microseconds; ``horizon_us`` is indexed by priority."""

    initial_us: int
    maximum_us: int
    horizon_us: tuple[int, int, int]

    @classmethod
    def from_settings(cls, settings: Settings) -> RetrySchedule:
        return cls(
            int(settings.vendor_retry_initial_seconds * _US),
            int(settings.vendor_retry_max_seconds * _US),
            (
                int(settings.vendor_retry_horizon_emergency_seconds * _US),
                int(settings.vendor_retry_horizon_priority_seconds * _US),
                int(settings.vendor_retry_horizon_general_seconds * _US),
            ),
        )

    def start(self, priority: int, now_us: int) -> Retry:
        """The retry state of a request held for the first time."""
        return Retry(0, now_us, now_us + self.horizon_us[min(max(priority, 0), 2)])

    def backoff_us(self, tries: int, retry_after_s: float | None = None) -> int:
        """The wait after the ``tries``-th failure: half of the doubled wait fixed, half
        random (so a crowd of failed requests spreads out), never below ``Retry-After``."""
        ceiling = min(self.maximum_us, self.initial_us * 2 ** min(max(tries - 1, 0), 40))
        wait = ceiling // 2 + int(random.random() * (ceiling - ceiling // 2))
        if retry_after_s is not None:
            wait = max(wait, int(retry_after_s * _US))
        return int(wait)


@dataclass(frozen=True, slots=True)
class Hold:
    """A request to try again at ``due_us`` (a row of ``vendor_retries``)."""

    job: Job
    retry: Retry
    due_us: int
    code: str


def write_holds(tx: Transaction, holds: Iterable[Hold], done: Iterable[str]) -> None:
    """Queue the held requests' rows and the removal of those answered (``done`` keys)."""
    rows: list[tuple[Any, ...]] = []
    for hold in holds:
        job, retry = hold.job, hold.retry
        ids = job.attempt_ids
        mode = EMAIL if isinstance(job, EmailJob) else job.mode
        rows.append(
            (
                job.idempotency_key,
                job.message_id,
                mode,
                job.priority,
                ids[0],
                ids[-1],
                len(ids),
                retry.tries,
                retry.held_since_us,
                retry.give_up_us,
                hold.due_us,
                hold.code,
            )
        )
    tx.queue(
        "INSERT INTO vendor_retries (idempotency_key, message_id, mode, priority,"
        " first_attempt_id, last_attempt_id, attempt_count, tries, held_since, give_up_time,"
        " due_time, last_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (idempotency_key) DO UPDATE SET attempt_count = excluded.attempt_count,"
        " tries = excluded.tries, give_up_time = excluded.give_up_time,"
        " due_time = excluded.due_time, last_code = excluded.last_code",
        rows,
    )
    tx.queue("DELETE FROM vendor_retries WHERE idempotency_key = ?", [(k,) for k in done])


@dataclass(frozen=True, slots=True)
class Held:
    """A stored row of ``vendor_retries``."""

    key: str
    message_id: int
    mode: int
    priority: int
    first_attempt_id: int
    last_attempt_id: int
    retry: Retry
    due_us: int
    code: str


_HELD = (
    "SELECT idempotency_key, message_id, mode, priority, first_attempt_id, last_attempt_id,"
    " tries, held_since, give_up_time, due_time, last_code FROM vendor_retries WHERE mode = ?"
)
_DUE = _HELD + " AND due_time <= ? ORDER BY priority, due_time LIMIT ?"
_EXPIRED = _HELD + " AND give_up_time <= ? ORDER BY priority, due_time LIMIT ?"


async def due_holds(
    db: Database, mode: int, until_us: int, limit: int, *, by: str = "due_time"
) -> list[Held]:
    """Up to ``limit`` rows of ``mode`` whose ``by`` (due_time or give_up_time) has come,
    most urgent first."""
    sql = _EXPIRED if by == "give_up_time" else _DUE
    rows = await db.fetch_all(sql, (mode, until_us, limit))
    return [
        Held(
            str(r["idempotency_key"]),
            int(r["message_id"]),
            int(r["mode"]),
            int(r["priority"]),
            int(r["first_attempt_id"]),
            int(r["last_attempt_id"]),
            Retry(int(r["tries"]), int(r["held_since"]), int(r["give_up_time"])),
            int(r["due_time"]),
            str(r["last_code"]),
        )
        for r in rows
    ]


async def claim_holds(db: Database, held: list[Held], lease_until_us: int) -> list[Held]:
    """The held rows this worker may send now: each row's due time moves to
    ``lease_until_us`` only if it is still the one read, so of several workers that read a
    row at once one gets it; if that worker dies, the row is due again when the lease ends.
    The answer's write removes the row, or holds it again with its next due time."""
    if not held:
        return []
    kept = []
    async with db.transaction() as tx:
        for h in held:
            changed = await tx.execute(
                "UPDATE vendor_retries SET due_time = ? WHERE idempotency_key = ? AND due_time = ?",
                (lease_until_us, h.key, h.due_us),
            )
            if changed:
                kept.append(h)
    return kept


async def jobs_of(db: Database, held: list[Held]) -> tuple[list[Job], list[str]]:
    """The jobs of held rows, and the keys of rows with nothing left to send (canceled or
    settled meanwhile), which the caller deletes."""
    jobs: list[Job] = []
    phones: list[PhoneJob] = await phone_jobs(
        db, [(h.first_attempt_id, h.retry) for h in held if h.mode != EMAIL]
    )
    jobs.extend(phones)
    found = {job.idempotency_key for job in phones}
    for h in held:
        if h.mode == EMAIL:
            job = await email_job(
                db, h.message_id, h.key, h.first_attempt_id, h.last_attempt_id, h.retry
            )
            if job is not None:
                jobs.append(job)
                found.add(h.key)
    return jobs, [h.key for h in held if h.key not in found]
