"""The scheduler's claim: due targets become stored attempts, in batches, before any send.

One transaction claims up to the wanted number of due targets per mode, lowest priority
number first, then by due time: it inserts their attempts (Queued; email In Progress, grouped
into recorded batches; inbox Sent at once with its portal inbox row), bumps attempt counts and
Total Attempts, and clears the due time. Non-emergency voice and text outside the district's
dialing window are not claimed: their due time moves to the window's next opening.

Several workers may claim at once (PostgreSQL): the due targets are read with
``FOR UPDATE SKIP LOCKED``, so a target another worker is claiming is passed over and never
claimed twice; attempt ids come from the database (``next_ids``), and every attempt and email
batch stored carries this worker's lease (``lease``) until its vendor answer is written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from smlog.domain import status_group
from smlog.services.dispatch.catalog import Catalog
from smlog.services.dispatch.decisions import Final
from smlog.services.dispatch.lease import UNNAMED, Lease
from smlog.services.dispatch.optouts import opted_out_numbers
from smlog.services.dispatch.policy import EMAIL, INBOX, MODES, TEXT, VOICE, DispatchPolicy
from smlog.services.dispatch.pools import EmailJob, Job, PhoneJob
from smlog.services.dispatch.settle import Settled, settle
from smlog.services.dispatch.wakeups import progressed
from smlog.store import Database, Transaction, row_lock
from smlog.v1.common_pb2 import DeviceStatus

__all__ = ["Claim", "claim_due"]

_S = DeviceStatus


@dataclass
class Claim:
    jobs: list[Job] = field(default_factory=list)
    created: Counter[int] = field(default_factory=Counter)  # attempts per mode
    deferred: int = 0  # moved to the next dialing window
    full: bool = False  # a mode got all it wanted: more may be due
    settled: Settled = field(default_factory=Settled)
    opted_out: Settled = field(default_factory=Settled)  # texts closed: STOP after the start


@dataclass(frozen=True, slots=True)
class _Due:
    target_id: int
    message_id: int
    mode: int
    address: str
    extension: str
    number: int
    priority: int


_ATTEMPT_COLUMNS = (
    "id", "target_id", "message_id", "mode", "number", "idempotency_key", "status",
    "status_time", "create_time", "is_final", "request_time", "claimed_by", "lease_until",
)  # fmt: skip
_DUE = (
    "SELECT * FROM (SELECT id, message_id, address, extension, attempt_count, mode, priority,"
    " next_attempt_time FROM targets WHERE mode = ? AND priority = ?"
    " AND next_attempt_time IS NOT NULL AND next_attempt_time <= ?"
    " ORDER BY next_attempt_time, id LIMIT ?{lock}) AS due"
)


async def _due(tx: Transaction, wants: dict[int, int], now_us: int) -> dict[int, list[_Due]]:
    """Up to ``wants[mode]`` due targets per mode, lowest priority number first, then by due
    time: one statement (a part per mode and priority), so the claim's write transaction
    waits for one round trip, not twelve."""
    parts = [(mode, p, want) for mode, want in wants.items() if want > 0 for p in (0, 1, 2)]
    found: dict[int, list[_Due]] = {mode: [] for mode, _, _ in parts}
    if not parts:
        return found
    due = _DUE.format(lock=row_lock(tx.dialect, skip_locked=True))
    sql = " UNION ALL ".join([due] * len(parts))
    params = [value for mode, p, want in parts for value in (mode, p, now_us, want)]
    rows = sorted(
        await tx.fetch_all(sql, params),
        key=lambda r: (int(r["priority"]), int(r["next_attempt_time"]), int(r["id"])),
    )
    for r in rows:
        mode = int(r["mode"])
        if len(found[mode]) < wants[mode]:
            found[mode].append(
                _Due(
                    target_id=int(r["id"]),
                    message_id=int(r["message_id"]),
                    mode=mode,
                    address=str(r["address"]),
                    extension=str(r["extension"]),
                    number=int(r["attempt_count"]) + 1,
                    priority=int(r["priority"]),
                )
            )
    return found


async def claim_due(
    db: Database,
    catalog: Catalog,
    policy: DispatchPolicy,
    now_us: int,
    wants: dict[int, int],
    email_batch: int,
    lease: Lease = UNNAMED,
) -> Claim:
    claim = Claim()
    async with db.transaction() as tx:
        due = await _due(tx, {m: wants.get(m, 0) for m in MODES}, now_us)
        deferred: list[tuple[int, int]] = []
        for mode, rows in due.items():
            claim.full = claim.full or len(rows) >= wants[mode]
            if mode in (VOICE, TEXT):
                due[mode] = await _inside_window(catalog, rows, now_us, deferred)
        if deferred:
            tx.queue("UPDATE targets SET next_attempt_time = ? WHERE id = ?", deferred)
            claim.deferred = len(deferred)
        if due.get(TEXT):
            due[TEXT], opted_out = await _drop_opted_out(tx, catalog, due[TEXT])
            if opted_out:
                claim.opted_out = await _close_opted_out(tx, opted_out, policy, now_us)
                opt_out: tuple[int, int] = (TEXT, _S.DEVICE_STATUS_OPT_OUT)
                claim.opted_out.attempts_final = [opt_out] * claim.opted_out.finalized
                claim.full = True  # the slots freed may be taken by more due texts
        if any(due.values()):
            await _create(tx, catalog, policy, due, now_us, email_batch, lease, claim)
    return claim


async def _drop_opted_out(
    tx: Transaction, catalog: Catalog, rows: list[_Due]
) -> tuple[list[_Due], list[_Due]]:
    """(kept, dropped): texts to numbers that replied STOP after the campaign started are
    dropped (StartDispatch suppressed those that had opted out before)."""
    by_code: dict[str, list[_Due]] = {}
    for row in rows:
        by_code.setdefault((await catalog.message(row.message_id)).short_code, []).append(row)
    kept: list[_Due] = []
    dropped: list[_Due] = []
    for code, group in by_code.items():
        stopped = await opted_out_numbers(tx, code, sorted({row.address for row in group}))
        for row in group:
            (dropped if row.address in stopped else kept).append(row)
    return kept, dropped


async def _close_opted_out(
    tx: Transaction, rows: list[_Due], policy: DispatchPolicy, now_us: int
) -> Settled:
    """Close dropped texts as Opt-Out: a suppressed contact, one attempt of its device that
    never reached the vendor (as at the start), counted in Total Attempts."""
    # Texts are never redialed: this is the target's first and only attempt.
    settled = await settle(
        tx, [Final(row.target_id, 0, _S.DEVICE_STATUS_OPT_OUT, now_us) for row in rows], policy
    )
    tx.queue(
        "UPDATE targets SET attempt_count = 1 WHERE id = ? AND attempt_count = 0",
        [(row.target_id,) for row in rows],
    )
    per_message = Counter(row.message_id for row in rows)
    tx.queue(
        "UPDATE message_mode_stats SET total_attempts = total_attempts + ?"
        " WHERE message_id = ? AND mode = ?",
        [(n, message_id, TEXT) for message_id, n in per_message.items()],
    )
    return settled


async def _inside_window(
    catalog: Catalog, rows: list[_Due], now_us: int, deferred: list[tuple[int, int]]
) -> list[_Due]:
    kept = []
    for row in rows:
        if row.priority > 0:
            info = await catalog.message(row.message_id)
            opening = info.window.next_opening(now_us)
            if opening is not None:
                deferred.append((opening, row.target_id))
                continue
        kept.append(row)
    return kept


def _email_batches(rows: list[_Due], size: int) -> list[list[_Due]]:
    """Consecutive batches per message, each naming an address at most once."""
    batches: list[list[_Due]] = []
    by_message: dict[int, list[tuple[list[_Due], set[str]]]] = {}
    for row in rows:
        open_batches = by_message.setdefault(row.message_id, [])
        address = row.address.lower()
        for batch, addresses in open_batches:
            if len(batch) < size and address not in addresses:
                batch.append(row)
                addresses.add(address)
                break
        else:
            batch = [row]
            open_batches.append((batch, {address}))
            batches.append(batch)
    return batches


async def _create(
    tx: Transaction,
    catalog: Catalog,
    policy: DispatchPolicy,
    due: dict[int, list[_Due]],
    now_us: int,
    email_batch: int,
    lease: Lease,
    claim: Claim,
) -> None:
    ids = iter(await tx.next_ids("attempts", sum(len(rows) for rows in due.values())))
    until = lease.until(now_us)
    attempts: list[tuple[Any, ...]] = []
    targets: list[tuple[int, int, int, int, int]] = []
    totals: Counter[tuple[int, int]] = Counter()
    inbox_items: list[tuple[Any, ...]] = []
    inbox_finals: list[Final] = []
    batches: list[tuple[Any, ...]] = []

    def add(d: _Due, status: int) -> int:
        attempt_id = next(ids)
        final = status == _S.DEVICE_STATUS_SENT
        attempts.append(
            (
                attempt_id,
                d.target_id,
                d.message_id,
                d.mode,
                d.number,
                f"smlog-a{attempt_id}",
                status,
                now_us,
                now_us,
                int(final),
                now_us if final else None,
                lease.worker,
                until,
            )
        )
        targets.append((d.number, status, status_group(status), now_us, d.target_id))
        totals[(d.message_id, d.mode)] += 1
        claim.created[d.mode] += 1
        return attempt_id

    for d in due.get(INBOX, []):
        info = await catalog.message(d.message_id)
        attempt_id = add(d, _S.DEVICE_STATUS_SENT)
        inbox_items.append(
            (
                attempt_id,
                d.message_id,
                d.address,
                info.subject,
                info.content.get("inbox_body", ""),
                now_us,
            )
        )
        inbox_finals.append(Final(d.target_id, d.number, _S.DEVICE_STATUS_SENT, now_us))
    for batch in _email_batches(due.get(EMAIL, []), email_batch):
        members = [add(d, _S.DEVICE_STATUS_IN_PROGRESS) for d in batch]
        key = f"smlog-e{members[0]}-{len(members)}"
        batches.append(
            (
                batch[0].message_id,
                key,
                members[0],
                members[-1],
                len(members),
                now_us,
                lease.worker,
                until,
            )
        )
        claim.jobs.append(
            EmailJob(
                batch[0].message_id,
                batch[0].priority,
                key,
                tuple((i, d.address) for i, d in zip(members, batch, strict=True)),
            )
        )
    for mode in (VOICE, TEXT):
        for d in due.get(mode, []):
            attempt_id = add(d, _S.DEVICE_STATUS_QUEUED)
            claim.jobs.append(
                PhoneJob(
                    mode,
                    attempt_id,
                    d.message_id,
                    d.priority,
                    d.address,
                    d.extension,
                    f"smlog-a{attempt_id}",
                )
            )
    # COPY on PostgreSQL: one bulk write for the claim's attempts, not a statement each.
    await tx.copy_rows("attempts", _ATTEMPT_COLUMNS, attempts)
    tx.queue(
        "UPDATE targets SET attempt_count = ?, next_attempt_time = NULL, status = ?,"
        " status_group = ?, status_time = ? WHERE id = ?",
        targets,
    )
    tx.queue(
        "UPDATE message_mode_stats SET total_attempts = total_attempts + ?"
        " WHERE message_id = ? AND mode = ?",
        # In key order, as every writer of these rows: two workers never wait in a cycle.
        [(n, message_id, mode) for (message_id, mode), n in sorted(totals.items())],
    )
    tx.queue(
        "INSERT INTO email_batches (message_id, idempotency_key, first_attempt_id,"
        " last_attempt_id, attempt_count, create_time, claimed_by, lease_until)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        batches,
    )
    await tx.copy_rows(
        "inbox_items",
        ("attempt_id", "message_id", "portal_account", "subject", "body", "create_time"),
        inbox_items,
    )
    progressed(tx, (message_id for message_id, _ in totals))
    claim.settled = await settle(tx, inbox_finals, policy)
    inbox_sent: tuple[int, int] = (INBOX, _S.DEVICE_STATUS_SENT)
    claim.settled.attempts_final = [inbox_sent] * len(inbox_finals)
