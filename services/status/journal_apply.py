"""The webhook journal's apply side: one transaction takes the oldest new rows, turns them
into events (and inbound texts), runs them through the state machine and marks each row
applied (1), parked (2) or rejected (3) — so a crash before the commit leaves the rows new
and the next start applies them, and a commit applies them exactly once."""

from __future__ import annotations

from dataclasses import dataclass, field

from smlog.clock import now_us
from smlog.services.status.applier import ApplyResult, apply_events
from smlog.services.status.events import Disposition, StatusEvent
from smlog.services.status.optout import HelpReply, Keyword, record_inbound
from smlog.services.status.payloads import (
    InboundText,
    ParsedEvent,
    PayloadError,
    inbound_text,
    load_object,
    mailgun_event,
    voxology_call_event,
    voxology_sms_event,
)
from smlog.store import Database, queue_in, row_lock

__all__ = ["JOURNAL_APPLIED", "JOURNAL_NEW", "JOURNAL_PARKED", "JOURNAL_REJECTED", "JournalBatch"]

JOURNAL_NEW = 0
JOURNAL_APPLIED = 1
JOURNAL_PARKED = 2
JOURNAL_REJECTED = 3


@dataclass(slots=True)
class JournalBatch:
    """What one journal batch did, for metrics and the follow-ups after its commit."""

    rows: int = 0  # rows this batch applied, parked or rejected
    first_id: int | None = None  # the oldest row read as new
    # Rows read as new that another status instance was applying meanwhile (or had applied):
    # that instance is draining the journal, so this one stops until its next wake.
    skipped: int = 0
    result: ApplyResult = field(default_factory=ApplyResult)
    events: list[StatusEvent] = field(default_factory=list)
    unknown_codes: list[str] = field(default_factory=list)  # vendor of each unknown code
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (vendor, reason)
    keywords: list[Keyword] = field(default_factory=list)
    help_replies: list[HelpReply] = field(default_factory=list)


def _decode(vendor: str, kind: str, body: bytes, attempt_id: int) -> ParsedEvent | InboundText:
    doc = load_object(body)
    if vendor == "mailgun":
        return mailgun_event(doc)
    if kind == "call":
        return voxology_call_event(doc, attempt_id)
    if kind == "sms":
        return voxology_sms_event(doc, attempt_id)
    if kind == "inbound":
        return inbound_text(doc)
    raise PayloadError("invalid_field", f"unknown journal kind {kind!r}")


async def apply_journal_batch(
    db: Database, limit: int, now: int, default_sender: str = "", *, since_id: int = 0
) -> JournalBatch:
    """The oldest ``limit`` new journal rows from ``since_id`` on, applied in one transaction.
    The rows are read and decoded before the transaction, so the write lock is held for the
    state machine and the writes only, not for parsing thousands of bodies; the transaction
    then claims those still new (on PostgreSQL with row locks that skip rows another status
    instance holds), so each row is applied by exactly one instance, once.

    ``since_id`` lets the reader start where new rows begin: the index on (state, id) keeps
    an entry for every row applied since the last vacuum, and a read from the start of the
    new ones visits each of those rows first (``StatusWorker.drain``)."""
    batch = JournalBatch()
    rows = await db.fetch_all(
        "SELECT id, vendor, kind, body, attempt_id FROM webhook_journal WHERE state = ?"
        " AND id >= ? ORDER BY id LIMIT ?",
        (JOURNAL_NEW, since_id, limit),
    )
    if not rows:
        return batch
    batch.first_id = int(rows[0][0])
    decoded_rows: list[tuple[int, str, ParsedEvent | InboundText | PayloadError]] = []
    for row in rows:
        row_id, vendor = int(row[0]), str(row[1])
        try:
            decoded: ParsedEvent | InboundText | PayloadError = _decode(
                vendor, str(row[2]), bytes(row[3]), int(row[4])
            )
        except PayloadError as exc:
            decoded = exc
        decoded_rows.append((row_id, vendor, decoded))
    async with db.transaction() as tx:
        first, last = decoded_rows[0][0], decoded_rows[-1][0]
        still_new = {
            int(r[0])
            for r in await tx.fetch_all(
                "SELECT id FROM webhook_journal WHERE id BETWEEN ? AND ? AND state = ?"  # noqa: S608
                + row_lock(tx.dialect, skip_locked=True),
                (first, last, JOURNAL_NEW),
            )
        }
        batch.rows = sum(1 for row_id, _, _ in decoded_rows if row_id in still_new)
        batch.skipped = len(decoded_rows) - batch.rows
        updates: list[tuple[int, str, int]] = []
        event_rows: list[int] = []
        inbound: list[tuple[int, InboundText]] = []
        for row_id, vendor, decoded in decoded_rows:
            if row_id not in still_new:
                continue
            if isinstance(decoded, PayloadError):
                updates.append((JOURNAL_REJECTED, decoded.reason, row_id))
                batch.rejected.append((vendor, decoded.reason))
                continue
            if isinstance(decoded, InboundText):
                inbound.append((row_id, decoded))
                continue
            batch.events.append(decoded.event)
            event_rows.append(row_id)
            if not decoded.known_code:
                batch.unknown_codes.append(vendor)
        batch.result = await apply_events(tx, batch.events, now)
        for row_id, event, disposition in zip(
            event_rows, batch.events, batch.result.dispositions, strict=True
        ):
            if disposition == Disposition.PARKED:
                updates.append((JOURNAL_PARKED, "", row_id))
            elif disposition == Disposition.REJECTED:
                updates.append((JOURNAL_REJECTED, "wrong_mode", row_id))
                batch.rejected.append((event.source.split("-")[0], "wrong_mode"))
            else:
                updates.append((JOURNAL_APPLIED, "", row_id))
        for row_id, text in inbound:
            outcome = await record_inbound(tx, text, now, default_sender)
            if outcome is None:
                updates.append((JOURNAL_REJECTED, "unknown_short_code", row_id))
                batch.rejected.append(("voxology", "unknown_short_code"))
                continue
            keyword, reply = outcome
            batch.keywords.append(keyword)
            if reply is not None:
                batch.help_replies.append(reply)
            updates.append((JOURNAL_APPLIED, "", row_id))
        applied = max(now, now_us())  # as the commit, for the status lag
        # One statement per (state, reason), in id order: nearly all rows become Applied.
        by_outcome: dict[tuple[int, str], list[int]] = {}
        for state, reason, row_id in updates:
            by_outcome.setdefault((state, reason), []).append(row_id)
        for (state, reason), ids in sorted(by_outcome.items()):
            queue_in(
                tx,
                "UPDATE webhook_journal SET state = ?, reason = ?, applied_time = ?"
                " WHERE id IN ({marks})",
                sorted(ids),
                before=(state, reason, applied),
            )
    return batch
