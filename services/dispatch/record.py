"""Vendor answers, written in batches: one transaction per flush, never one per attempt.

Voice and text answers record the vendor reference and request time (their statuses come
from the status service); an accepted email batch makes its attempts Sent (final); a refusal
makes them Error (4xx) or Vendor Error (the retry horizon passed), final. Requests held for
a later try (``retries.Hold``) are written in the same transaction, and the held row of a
request answered now is removed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from smlog.runtime.tasks import wait_event
from smlog.services.dispatch.attempt_state import AttemptState
from smlog.services.dispatch.decisions import Final
from smlog.services.dispatch.faults import Faults
from smlog.services.dispatch.policy import DispatchPolicy
from smlog.services.dispatch.retries import Hold, write_holds
from smlog.services.dispatch.settle import Settled, settle
from smlog.store import Database, fetch_in

__all__ = ["Answer", "ResultWriter"]

log = logging.getLogger("smlog.dispatch.record")


@dataclass(frozen=True, slots=True)
class Answer:
    """A vendor's answer to one request (one attempt, or an email batch's attempts)."""

    attempt_ids: tuple[int, ...]
    time_us: int
    reference: str | None = None  # set when the vendor accepted
    final_status: int | None = None  # Sent (email), Error or Vendor Error
    code: str = ""
    detail: str = ""
    batch_key: str | None = None
    retry_key: str | None = None  # the request was held before: remove its row


class ResultWriter:
    def __init__(
        self,
        db: Database,
        policy: DispatchPolicy,
        *,
        attempts: AttemptState,
        retrying: set[str],
        after: Callable[[Settled], None],
        flush_rows: int,
        flush_seconds: float,
    ) -> None:
        self._db = db
        self._policy = policy
        self._attempts = attempts
        self.faults = Faults()
        self._retrying = retrying
        self._after = after
        self._flush_rows = flush_rows
        self._flush_seconds = flush_seconds
        self._pending: list[Answer] = []
        self._holds: list[Hold] = []
        self._writing_holds = False
        self._rows = 0
        self._full = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

    def add(self, answer: Answer) -> None:
        self._pending.append(answer)
        self._idle.clear()
        self._rows += len(answer.attempt_ids)
        if self._rows >= self._flush_rows:
            self._full.set()

    def hold(self, hold: Hold) -> None:
        self._holds.append(hold)
        self._idle.clear()
        self._rows += 1
        if self._rows >= self._flush_rows:
            self._full.set()

    @property
    def holding(self) -> bool:
        """Held requests are waiting to be written."""
        return bool(self._holds) or self._writing_holds

    @property
    def pending(self) -> bool:
        """Answers are waiting to be written."""
        return bool(self._pending or self._holds)

    async def drained(self) -> None:
        await self._idle.wait()

    async def run(self) -> None:
        while True:
            await wait_event(self._full, self._flush_seconds)
            self._full.clear()
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("writing vendor answers failed; retrying")
                await asyncio.sleep(self._flush_seconds)

    async def flush(self) -> None:
        if self.faults.answers_unwritten:
            return
        if not self._pending and not self._holds:
            self._idle.set()
            return
        batch, self._pending, self._rows = self._pending, [], 0
        holds, self._holds = self._holds, []
        self._writing_holds = bool(holds)
        try:
            settled = await self._write(batch, holds)
        except BaseException:
            self._writing_holds = False
            self._pending[:0] = batch
            self._holds[:0] = holds
            self._rows += sum(len(a.attempt_ids) for a in batch) + len(holds)
            raise
        for answer in batch:
            self._attempts.settled(answer.attempt_ids)
            if answer.retry_key is not None:
                self._retrying.discard(answer.retry_key)
        self._writing_holds = False
        for hold in holds:
            self._attempts.settled(hold.job.attempt_ids)
            self._retrying.discard(hold.job.idempotency_key)
        if not self._pending and not self._holds:
            self._idle.set()
        self._after(settled)

    async def _write(self, batch: list[Answer], holds: list[Hold]) -> Settled:
        accepted = [a for a in batch if a.final_status is None and a.reference is not None]
        finals = [a for a in batch if a.final_status is not None]
        async with self._db.transaction() as tx:
            write_holds(tx, holds, [a.retry_key for a in batch if a.retry_key is not None])
            tx.queue(
                "UPDATE attempts SET vendor_reference = ?, request_time = ? WHERE id = ?",
                [(a.reference, a.time_us, a.attempt_ids[0]) for a in accepted],
            )
            tx.queue(
                "UPDATE email_batches SET request_time = ?, vendor_reference = ?"
                " WHERE idempotency_key = ?",
                [(a.time_us, a.reference or "", a.batch_key) for a in batch if a.batch_key],
            )
            by_attempt = {i: a for a in finals for i in a.attempt_ids}
            open_rows = await fetch_in(
                tx,
                "SELECT id, target_id, number, mode FROM attempts"
                " WHERE id IN ({marks}) AND is_final = 0",
                sorted(by_attempt),
            )
            updates = []
            target_finals = []
            results = []
            for row in open_rows:
                attempt_id = int(row["id"])
                answer = by_attempt[attempt_id]
                status = int(answer.final_status or 0)
                updates.append(
                    (
                        status,
                        answer.time_us,
                        answer.code,
                        answer.detail,
                        answer.reference,
                        answer.time_us if answer.reference else None,
                        attempt_id,
                    )
                )
                target = int(row["target_id"])
                target_finals.append(Final(target, int(row["number"]), status, answer.time_us))
                results.append((int(row["mode"]), status))
            tx.queue(
                "UPDATE attempts SET status = ?, status_time = ?, is_final = 1, vendor_code = ?,"
                " vendor_detail = ?, vendor_reference = COALESCE(?, vendor_reference),"
                " request_time = COALESCE(?, request_time) WHERE id = ? AND is_final = 0",
                updates,
            )
            settled = await settle(tx, target_finals, self._policy)
        settled.attempts_final = results
        return settled
