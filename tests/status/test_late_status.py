"""The applier's side of "a real answer beats a timeout" (docs/status.md): a vendor status
for an attempt a status deadline closed replaces the deadline's, keeps it as history and
gives dispatch a revision outcome; a real final status stays frozen."""

from __future__ import annotations

from smlog.domain import DEADLINE_CODE
from smlog.services.status.applier import apply_events
from smlog.services.status.events import Disposition, StatusEvent
from smlog.store import Database
from smlog.v1.common_pb2 import DeviceStatus as S
from tests.status.helpers import TEXT, VOICE, add_attempts
from tests.support.builders import add_district

NCS = S.DEVICE_STATUS_NO_CALL_STATUS


async def _closed_by_deadline(db: Database, mode: int) -> int:
    [attempt_id] = await add_attempts(db, mode)
    async with db.transaction() as tx:  # as dispatch's deadline sweep writes it
        await tx.execute(
            "UPDATE attempts SET status = ?, status_time = 500, is_final = 1, provisional = 1,"
            " vendor_code = ? WHERE id = ?",
            (NCS, DEADLINE_CODE, attempt_id),
        )
    return attempt_id


async def _apply(db: Database, *events: StatusEvent) -> list[Disposition]:
    async with db.transaction() as tx:
        result = await apply_events(tx, list(events), 1000)
    return result.dispositions


def _event(key: str, attempt_id: int, status: int, time: int, source: str) -> StatusEvent:
    return StatusEvent(key, attempt_id, status, time, str(status), f"detail {key}", source)


async def test_a_text_revised_twice_ends_delivered_with_the_deadline_in_its_history(
    db: Database,
) -> None:
    await add_district(db)
    attempt_id = await _closed_by_deadline(db, TEXT)
    sent = _event("v:1", attempt_id, S.DEVICE_STATUS_SENT, 100, "voxology-sms")
    assert await _apply(db, sent) == [Disposition.APPLIED]
    row = await db.fetch_one(
        "SELECT status, is_final, provisional, status_time FROM attempts WHERE id = ?",
        (attempt_id,),
    )
    assert tuple(row or ()) == (S.DEVICE_STATUS_SENT, 1, 1, 100)
    outcome = await db.fetch_one(
        "SELECT status, revision, consumed FROM attempt_outcomes WHERE attempt_id = ?",
        (attempt_id,),
    )
    assert tuple(outcome or ()) == (S.DEVICE_STATUS_SENT, 1, 0)
    async with db.transaction() as tx:  # dispatch counted it
        await tx.execute("UPDATE attempt_outcomes SET consumed = 1 WHERE attempt_id = ?",
                         (attempt_id,))  # fmt: skip

    delivered = _event("v:2", attempt_id, S.DEVICE_STATUS_DELIVERED, 200, "voxology-sms")
    late = _event("v:3", attempt_id, S.DEVICE_STATUS_UNDELIVERED, 300, "voxology-sms")
    assert await _apply(db, delivered, delivered, late) == [
        Disposition.APPLIED,
        Disposition.DUPLICATE,
        Disposition.STALE,
    ]
    row = await db.fetch_one(
        "SELECT status, is_final, provisional, status_time, vendor_detail FROM attempts"
        " WHERE id = ?",
        (attempt_id,),
    )
    assert tuple(row or ()) == (S.DEVICE_STATUS_DELIVERED, 1, 0, 200, "detail v:2")
    target = await db.fetch_one(
        "SELECT t.vendor_detail FROM targets t JOIN attempts a ON a.target_id = t.id"
        " WHERE a.id = ?",
        (attempt_id,),
    )
    assert target is not None
    assert target[0] == "detail v:2"
    outcome = await db.fetch_one(
        "SELECT status, status_time, revision, consumed FROM attempt_outcomes WHERE attempt_id = ?",
        (attempt_id,),
    )
    assert tuple(outcome or ()) == (S.DEVICE_STATUS_DELIVERED, 200, 1, 0)
    history = await db.fetch_all(
        "SELECT status, event_time, source, changed_status FROM attempt_events"
        " WHERE attempt_id = ? ORDER BY id",
        (attempt_id,),
    )
    assert [tuple(r) for r in history] == [
        (NCS, 500, DEADLINE_CODE, 1),
        (S.DEVICE_STATUS_SENT, 100, "voxology-sms", 1),
        (S.DEVICE_STATUS_DELIVERED, 200, "voxology-sms", 1),
        (S.DEVICE_STATUS_UNDELIVERED, 300, "voxology-sms", 0),
    ]


async def test_a_vendor_final_status_is_not_replaced_by_a_later_one(db: Database) -> None:
    await add_district(db)
    [attempt_id] = await add_attempts(db, VOICE)
    busy = _event("v:1", attempt_id, S.DEVICE_STATUS_BUSY, 100, "voxology-call")
    completed = _event("v:2", attempt_id, S.DEVICE_STATUS_COMPLETED, 200, "voxology-call")
    assert await _apply(db, busy, completed) == [Disposition.APPLIED, Disposition.STALE]
    row = await db.fetch_one("SELECT status, provisional FROM attempts WHERE id = ?", (attempt_id,))
    assert tuple(row or ()) == (S.DEVICE_STATUS_BUSY, 0)
    outcome = await db.fetch_one(
        "SELECT status, revision FROM attempt_outcomes WHERE attempt_id = ?", (attempt_id,)
    )
    assert tuple(outcome or ()) == (S.DEVICE_STATUS_BUSY, 0)
