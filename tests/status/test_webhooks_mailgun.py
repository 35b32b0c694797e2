"""The Mailgun webhook edge: events are history and vendor detail, never a status change;
forged, replayed, stale and unusable events are refused (406 where retrying cannot help)."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import pytest

from smlog.services.status.service import StatusParts
from smlog.store import Database
from smlog.v1.common_pb2 import DeviceStatus as S
from tests.status.helpers import EMAIL, add_attempts, attempt_row, count, mailgun_payload, target_of
from tests.support.builders import add_district
from tests.support.waiting import wait_for

PATH = "/webhooks/mailgun"
SENT = S.DEVICE_STATUS_SENT


async def post(http: aiohttp.ClientSession, payload: dict[str, Any] | bytes) -> tuple[int, Any]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    async with http.post(PATH, data=body, headers={"Content-Type": "application/json"}) as r:
        return r.status, await r.json()


async def history(db: Database, attempt: int) -> int:
    return await count(db, "SELECT count(*) FROM attempt_events WHERE attempt_id = ?", (attempt,))


async def test_failed_reason_becomes_vendor_detail_status_stays_sent(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    await add_district(db)
    [attempt] = await add_attempts(db, EMAIL, status=SENT)
    await db_mark_final(db, attempt)
    failed = mailgun_payload(
        "failed",
        attempt,
        severity="permanent",
        **{"delivery-status": {"code": 550, "description": "mailbox does not exist"}},
    )
    for payload in (
        mailgun_payload("accepted", attempt),
        failed,
        mailgun_payload("opened", attempt),
    ):
        assert (await post(http, payload))[0] == 200

    async def all_kept() -> bool:
        return await history(db, attempt) == 3

    await wait_for(all_kept)
    row = await attempt_row(db, attempt)
    assert row["status"] == SENT
    assert row["vendor_detail"] == "failed (permanent): mailbox does not exist"
    assert (await target_of(db, attempt))["vendor_detail"] == row["vendor_detail"]
    assert await count(db, "SELECT count(*) FROM attempt_outcomes") == 0


async def db_mark_final(db: Database, attempt: int) -> None:
    async with db.transaction() as tx:
        await tx.execute("UPDATE attempts SET is_final = 1 WHERE id = ?", (attempt,))
        await tx.execute(
            "UPDATE targets SET is_final = 1 WHERE id = (SELECT target_id FROM attempts"
            " WHERE id = ?)",
            (attempt,),
        )


async def test_duplicate_event_id_with_a_fresh_token_is_ignored(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    await add_district(db)
    [attempt] = await add_attempts(db, EMAIL, status=SENT)
    first = mailgun_payload("delivered", attempt)
    again = mailgun_payload("delivered", attempt)
    again["event-data"]["id"] = first["event-data"]["id"]
    assert (await post(http, first))[0] == 200
    assert (await post(http, again))[0] == 200

    async def both_applied() -> bool:
        return await count(db, "SELECT count(*) FROM webhook_journal WHERE state = 1") == 2

    await wait_for(both_applied)
    assert await history(db, attempt) == 1


async def test_wrong_key_is_refused(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    code, answer = await post(http, mailgun_payload("delivered", 1, key="not-the-key"))
    assert code == 401
    assert answer["error"]["reason"] == "signature_mismatch"
    assert await count(db, "SELECT count(*) FROM webhook_journal") == 0


async def test_missing_signature_is_refused(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    payload = mailgun_payload("delivered", 1)
    del payload["signature"]
    code, answer = await post(http, payload)
    assert code == 401
    assert answer["error"]["reason"] == "signature_missing"


async def test_reused_token_is_a_replay(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    await add_district(db)
    [attempt] = await add_attempts(db, EMAIL, status=SENT)
    token = "a" * 50
    assert (await post(http, mailgun_payload("delivered", attempt, token=token)))[0] == 200
    code, answer = await post(http, mailgun_payload("opened", attempt, token=token))
    assert code == 403
    assert answer["error"]["reason"] == "replayed"
    assert await count(db, "SELECT count(*) FROM webhook_journal") == 1


async def test_stale_timestamp_is_refused(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    code, answer = await post(http, mailgun_payload("delivered", 1, now=time.time() + 400))
    assert code == 401
    assert answer["error"]["reason"] == "stale_timestamp"


def _without(path: str) -> dict[str, Any]:
    payload = mailgun_payload("delivered", 1)
    data = payload["event-data"]
    if path == "event-data":
        del payload["event-data"]
    else:
        del data[path]
    return payload


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"signature=abc&token=def", "malformed_body"),
        (b"", "malformed_body"),
        (lambda: _without("event-data"), "missing_field"),
        (lambda: _without("id"), "missing_field"),
        (lambda: _without("event"), "missing_field"),
        (lambda: _without("timestamp"), "missing_field"),
        (lambda: _without("user-variables"), "missing_field"),
        (lambda: mailgun_payload("delivered", "seventeen"), "invalid_field"),
        (lambda: mailgun_payload("delivered", 1, timestamp="noon"), "invalid_field"),
    ],
)
async def test_unusable_events_get_406(
    http: aiohttp.ClientSession, db: Database, status: StatusParts, payload: Any, reason: str
) -> None:
    code, answer = await post(http, payload() if callable(payload) else payload)
    assert code == 406
    assert answer["error"]["reason"] == reason
    assert await count(db, "SELECT count(*) FROM webhook_journal") == 0


async def test_event_for_an_attempt_not_stored_yet_is_parked_then_applied(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    await add_district(db)
    assert (await post(http, mailgun_payload("delivered", 700_001)))[0] == 200

    async def parked() -> bool:
        return await count(db, "SELECT count(*) FROM parked_events") == 1

    await wait_for(parked)
    await add_attempts(db, EMAIL, ids=[700_001], status=SENT)

    async def applied() -> bool:
        return await history(db, 700_001) == 1

    await wait_for(applied)
    assert (await attempt_row(db, 700_001))["vendor_detail"] == "delivered"
