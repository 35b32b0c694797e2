"""Parked events (their attempt was not stored yet): applied once the attempt appears,
dropped after ``status_parked_ttl_seconds``; and the housekeeping of the status tables."""

from __future__ import annotations

from smlog.services.status.applier import ApplyResult, apply_events
from smlog.services.status.events import StatusEvent
from smlog.services.status.mapping import mailgun_detail_rank
from smlog.services.status.payloads import SOURCE_MAILGUN, SOURCE_MODES
from smlog.store import Database, Row, row_lock

__all__ = ["expire_parked", "prune", "retry_parked"]

_READY = (
    "SELECT p.attempt_id, p.event_key, p.status, p.event_time, p.vendor_code, p.vendor_detail,"
    " p.source FROM parked_events p WHERE EXISTS (SELECT 1 FROM attempts a WHERE a.id ="
    " p.attempt_id) ORDER BY p.id LIMIT ?"
)


def _event(row: Row) -> StatusEvent:
    source = str(row[6])
    code, detail = str(row[4]), str(row[5])
    return StatusEvent(
        event_key=str(row[1]),
        attempt_id=int(row[0]),
        status=int(row[2]) or None,
        event_time=int(row[3]),
        vendor_code=code,
        vendor_detail=detail,
        source=source,
        detail_rank=mailgun_detail_rank(code, detail) if source == SOURCE_MAILGUN else None,
        mode=SOURCE_MODES.get(source),
    )


async def retry_parked(db: Database, limit: int, now: int) -> ApplyResult | None:
    """Apply parked events whose attempt is stored now (None when there are none)."""
    probe = await db.fetch_one(_READY, (1,))
    if probe is None:
        return None
    async with db.transaction() as tx:
        # Claimed: a parked event another status instance is applying is skipped, not waited
        # for and applied twice.
        rows = await tx.fetch_all(_READY + row_lock(tx.dialect, skip_locked=True), (limit,))
        if not rows:
            return None
        return await apply_events(tx, [_event(r) for r in rows], now, from_parked=True)


async def expire_parked(db: Database, older_than: int) -> int:
    async with db.transaction() as tx:
        return await tx.execute("DELETE FROM parked_events WHERE park_time < ?", (older_than,))


async def prune(db: Database, tokens_before: int, journal_before: int) -> None:
    """Forget replay keys that a stale-timestamp check refuses anyway, and old journal rows
    that were applied, parked (their event lives in parked_events) or rejected."""
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM webhook_tokens WHERE seen_time < ?", (tokens_before,))
        await tx.execute(
            "DELETE FROM webhook_journal WHERE state <> 0 AND received_time < ?",
            (journal_before,),
        )
