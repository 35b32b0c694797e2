"""The Voxology webhook edge over real HTTP: signed callbacks applied; forged, replayed,
stale, malformed, incomplete and oversized ones refused with nothing changed."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import pytest

from smlog.services.status.service import StatusParts
from smlog.store import Database
from smlog.v1.common_pb2 import DeviceStatus as S
from tests.status.helpers import (
    TEXT,
    VOICE,
    add_attempts,
    attempt_row,
    call_payload,
    count,
    metric,
    sms_payload,
    target_of,
    voxology_request,
)
from tests.support.builders import add_district
from tests.support.waiting import wait_for

CALL = "/webhooks/voxology/call"
SMS = "/webhooks/voxology/sms"


async def post(
    http: aiohttp.ClientSession, path: str, payload: dict[str, Any] | bytes, **kw: Any
) -> tuple[int, dict[str, Any]]:
    body, headers = voxology_request(payload, path, **kw)
    async with http.post(path, data=body, headers=headers) as response:
        return response.status, await response.json()


async def journal_size(db: Database) -> int:
    return await count(db, "SELECT count(*) FROM webhook_journal")


async def test_completed_call_with_zero_pressed_is_completed(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    await add_district(db)
    [attempt] = await add_attempts(db, VOICE)
    for payload in (call_payload("ringing"), call_payload("completed", digits="0", duration_s=31)):
        code, answer = await post(http, f"{CALL}?attempt_id={attempt}", payload)
        assert (code, answer) == (200, {"status": "accepted"})

    async def final() -> bool:
        return bool((await attempt_row(db, attempt))["is_final"])

    await wait_for(final)
    row = await attempt_row(db, attempt)
    assert row["status"] == S.DEVICE_STATUS_COMPLETED
    assert row["vendor_code"] == "completed"
    assert row["vendor_detail"] == "digits pressed: 0; duration: 31 s"
    target = await target_of(db, attempt)
    assert target["status"] == S.DEVICE_STATUS_COMPLETED
    assert target["vendor_detail"] == row["vendor_detail"]
    assert (
        await count(db, "SELECT count(*) FROM attempt_events WHERE attempt_id = ?", (attempt,)) == 2
    )
    outcome = await db.fetch_one(
        "SELECT status FROM attempt_outcomes WHERE attempt_id = ?", (attempt,)
    )
    assert outcome is not None
    assert outcome[0] == S.DEVICE_STATUS_COMPLETED


async def test_sms_undelivered_keeps_carrier_reason(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    await add_district(db)
    [attempt] = await add_attempts(db, TEXT)
    payload = sms_payload("undelivered", error_code="30006", error_message="landline")
    assert (await post(http, f"{SMS}?attempt_id={attempt}", payload))[0] == 200

    async def done() -> bool:
        return (await attempt_row(db, attempt))["status"] == S.DEVICE_STATUS_UNDELIVERED

    await wait_for(done)
    assert (await attempt_row(db, attempt))["vendor_detail"] == "30006: landline"


async def test_duplicate_and_late_events_change_nothing(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    await add_district(db)
    [attempt] = await add_attempts(db, VOICE)
    assert (await post(http, f"{CALL}?attempt_id={attempt}", call_payload("busy")))[0] == 200
    late = call_payload("ringing")
    assert (await post(http, f"{CALL}?attempt_id={attempt}", late))[0] == 200

    async def both() -> bool:
        return (
            await count(db, "SELECT count(*) FROM attempt_events WHERE attempt_id = ?", (attempt,))
            == 2
        )

    await wait_for(both)
    row = await attempt_row(db, attempt)
    assert row["status"] == S.DEVICE_STATUS_BUSY
    assert row["is_final"] == 1


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda h: h.update({"X-Voxology-Signature": "v1=" + "0" * 64}), "signature_mismatch"),
        (lambda h: h.pop("X-Voxology-Signature"), "signature_missing"),
        (lambda h: h.update({"X-Voxology-Signature": "sha1=abc"}), "signature_malformed"),
    ],
)
async def test_forged_signatures_are_refused(
    http: aiohttp.ClientSession, db: Database, status: StatusParts, mutate: Any, reason: str
) -> None:
    await add_district(db)
    [attempt] = await add_attempts(db, VOICE)
    before = metric("smlog_status_webhooks_rejected_total", vendor="voxology", reason=reason)
    path = f"{CALL}?attempt_id={attempt}"
    body, headers = voxology_request(call_payload("busy"), path)
    mutate(headers)
    async with http.post(path, data=body, headers=headers) as r:
        assert r.status == 401
        assert (await r.json())["error"]["reason"] == reason
    assert await journal_size(db) == 0
    after = metric("smlog_status_webhooks_rejected_total", vendor="voxology", reason=reason)
    assert after == before + 1


async def test_wrong_secret_is_refused(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    code, answer = await post(http, f"{CALL}?attempt_id=1", call_payload("busy"), secret="other")
    assert code == 401
    assert answer["error"]["reason"] == "signature_mismatch"
    assert await journal_size(db) == 0


async def test_stale_timestamp_is_refused(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    code, answer = await post(
        http, f"{CALL}?attempt_id=1", call_payload("busy"), now=time.time() - 301
    )
    assert code == 401
    assert answer["error"]["reason"] == "stale_timestamp"
    assert await journal_size(db) == 0


async def test_replay_is_refused_but_an_honest_retry_is_applied_once(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    await add_district(db)
    [attempt] = await add_attempts(db, VOICE)
    payload = call_payload("busy")
    sent_at = time.time()
    body, headers = voxology_request(payload, f"{CALL}?attempt_id={attempt}", now=sent_at)
    async with http.post(f"{CALL}?attempt_id={attempt}", data=body, headers=headers) as r:
        assert r.status == 200
    before = metric("smlog_status_webhooks_rejected_total", vendor="voxology", reason="replayed")
    async with http.post(f"{CALL}?attempt_id={attempt}", data=body, headers=headers) as r:
        assert r.status == 403
        assert (await r.json())["error"]["reason"] == "replayed"
    after = metric("smlog_status_webhooks_rejected_total", vendor="voxology", reason="replayed")
    assert after == before + 1
    # Voxology retries re-sign with a fresh timestamp: accepted, journaled, applied once.
    retry = await post(http, f"{CALL}?attempt_id={attempt}", payload, now=sent_at + 5)
    assert retry[0] == 200
    assert await journal_size(db) == 2

    async def both_handled() -> bool:
        pending = await count(db, "SELECT count(*) FROM webhook_journal WHERE state = 0")
        return pending == 0

    await wait_for(both_handled)
    events = "SELECT count(*) FROM attempt_events WHERE attempt_id = ?"
    assert await count(db, events, (attempt,)) == 1


@pytest.mark.parametrize(
    ("path", "payload", "reason"),
    [
        (f"{CALL}?attempt_id=1", b"{not json", "malformed_body"),
        (f"{CALL}?attempt_id=1", b"[1, 2]", "malformed_body"),
        (f"{CALL}?attempt_id=1", b"\xff\xfe", "malformed_body"),
        (f"{CALL}?attempt_id=1", {"call_id": "CA1", "status": "busy"}, "missing_field"),
        (
            f"{CALL}?attempt_id=1",
            {"event_id": "e", "status": "busy", "timestamp": "2026-01-01T00:00:00Z"},
            "missing_field",
        ),
        (f"{CALL}?attempt_id=1", {**call_payload("busy"), "status": 7}, "invalid_field"),
        (
            f"{CALL}?attempt_id=1",
            {**call_payload("busy"), "timestamp": "yesterday"},
            "invalid_field",
        ),
        (f"{CALL}?attempt_id=1", {**call_payload("busy"), "duration_s": "long"}, "invalid_field"),
        (CALL, call_payload("busy"), "missing_field"),
        (f"{CALL}?attempt_id=abc", call_payload("busy"), "invalid_field"),
        (f"{CALL}?attempt_id=-3", call_payload("busy"), "invalid_field"),
        (f"{CALL}?attempt_id=0", call_payload("busy"), "invalid_field"),
        (
            f"{SMS}?attempt_id=1",
            {"event_id": "e", "status": "sent", "timestamp": "2026-01-01T00:00:00Z"},
            "missing_field",
        ),
    ],
)
async def test_unusable_bodies_are_refused_with_a_reason(
    http: aiohttp.ClientSession,
    db: Database,
    status: StatusParts,
    path: str,
    payload: dict[str, Any] | bytes,
    reason: str,
) -> None:
    code, answer = await post(http, path, payload)
    assert code == 400
    assert answer["error"]["reason"] == reason
    assert "Traceback" not in json.dumps(answer)
    assert await journal_size(db) == 0
    assert await count(db, "SELECT count(*) FROM webhook_tokens") == 0


async def test_oversized_body_is_refused(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    payload = call_payload("busy", padding="x" * (300 * 1024))
    code, answer = await post(http, f"{CALL}?attempt_id=1", payload)
    assert code == 413
    assert answer["error"]["reason"] == "too_large"
    assert await journal_size(db) == 0


async def test_event_before_its_attempt_is_parked_then_applied(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    await add_district(db)
    future_id = 900_001
    assert (await post(http, f"{CALL}?attempt_id={future_id}", call_payload("no-answer")))[0] == 200

    async def parked() -> bool:
        return await count(db, "SELECT count(*) FROM parked_events") == 1

    await wait_for(parked)
    state = await db.fetch_one("SELECT state FROM webhook_journal")
    assert state is not None
    assert state[0] == 2
    await add_attempts(db, VOICE, ids=[future_id])

    async def applied() -> bool:
        return (await attempt_row(db, future_id))["status"] == S.DEVICE_STATUS_NO_ANSWER

    await wait_for(applied)
    assert await count(db, "SELECT count(*) FROM parked_events") == 0
    assert (
        await count(db, "SELECT count(*) FROM attempt_outcomes WHERE attempt_id = ?", (future_id,))
        == 1
    )


async def test_call_event_for_a_text_attempt_is_rejected_when_applied(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    await add_district(db)
    [attempt] = await add_attempts(db, TEXT)
    assert (await post(http, f"{CALL}?attempt_id={attempt}", call_payload("busy")))[0] == 200

    async def rejected() -> bool:
        row = await db.fetch_one("SELECT state, reason FROM webhook_journal")
        return row is not None and row[0] == 3

    await wait_for(rejected)
    assert (await attempt_row(db, attempt))["status"] == S.DEVICE_STATUS_QUEUED


async def test_unknown_vendor_code_is_history_only_and_counted(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    await add_district(db)
    [attempt] = await add_attempts(db, VOICE)
    before = metric("smlog_status_unknown_vendor_code_total", vendor="voxology")
    assert (await post(http, f"{CALL}?attempt_id={attempt}", call_payload("exploded")))[0] == 200

    async def kept() -> bool:
        return (
            await count(db, "SELECT count(*) FROM attempt_events WHERE attempt_id = ?", (attempt,))
            == 1
        )

    await wait_for(kept)
    row = await attempt_row(db, attempt)
    assert row["status"] == S.DEVICE_STATUS_QUEUED
    assert row["is_final"] == 0
    assert metric("smlog_status_unknown_vendor_code_total", vendor="voxology") == before + 1


async def test_healthz(http: aiohttp.ClientSession) -> None:
    async with http.get("/healthz") as r:
        assert r.status == 200


async def test_status_callbacks_of_help_answers_are_acknowledged_not_kept(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    code, answer = await post(http, f"{SMS}?reply=help", sms_payload("delivered"))
    assert (code, answer) == (200, {"status": "ignored"})
    assert await journal_size(db) == 0
    code, _ = await post(http, f"{SMS}?reply=help", sms_payload("delivered"), secret="forged")
    assert code == 401


async def test_a_callback_signed_for_one_attempt_is_refused_for_another(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    await add_district(db)
    first, second = await add_attempts(db, VOICE, 2)
    body, headers = voxology_request(call_payload("completed"), f"{CALL}?attempt_id={first}")
    async with http.post(f"{CALL}?attempt_id={second}", data=body, headers=headers) as r:
        assert r.status == 401
        assert (await r.json())["error"]["reason"] == "signature_mismatch"
    assert await journal_size(db) == 0
