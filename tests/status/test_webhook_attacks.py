"""Attacks on the webhook edge: a replay padded with an extra ``v1=`` value, and deeply nested
JSON sent before any signature is checked. Each is refused with a 4xx and changes nothing."""

from __future__ import annotations

import logging
import time

import aiohttp
import pytest

from smlog.services.status.service import StatusParts
from smlog.store import Database
from tests.status.helpers import VOICE, add_attempts, call_payload, count, metric
from tests.status.helpers import voxology_request as signed
from tests.support.builders import add_district

CALL = "/webhooks/voxology/call"
DEEP = b"[" * 120_000 + b"]" * 120_000  # under the 256 KiB body limit


async def journal_size(db: Database) -> int:
    return await count(db, "SELECT count(*) FROM webhook_journal")


@pytest.mark.parametrize("padding", [",v1=00", ", v1=deadbeef", ",v2=x", ",", ",v1=00,v1=01"])
async def test_a_replay_with_a_padded_signature_header_is_still_a_replay(
    http: aiohttp.ClientSession, db: Database, status: StatusParts, padding: str
) -> None:
    await add_district(db)
    [attempt] = await add_attempts(db, VOICE)
    path = f"{CALL}?attempt_id={attempt}"
    body, headers = signed(call_payload("busy"), path, now=time.time())
    async with http.post(path, data=body, headers=headers) as r:
        assert r.status == 200
    padded = {**headers, "X-Voxology-Signature": headers["X-Voxology-Signature"] + padding}
    async with http.post(path, data=body, headers=padded) as r:
        assert r.status == 403
        assert (await r.json())["error"]["reason"] == "replayed"
    # The same with the real value last: still the one verified signature.
    reordered = {**headers, "X-Voxology-Signature": "v1=00," + headers["X-Voxology-Signature"]}
    async with http.post(path, data=body, headers=reordered) as r:
        assert r.status == 403
    assert await journal_size(db) == 1


@pytest.mark.parametrize(
    ("path", "status_code"),
    [("/webhooks/mailgun", 406), (f"{CALL}?attempt_id=1", 401)],
)
async def test_deeply_nested_json_is_refused_with_one_log_line(
    http: aiohttp.ClientSession,
    db: Database,
    status: StatusParts,
    caplog: pytest.LogCaptureFixture,
    path: str,
    status_code: int,
) -> None:
    # Mailgun's signature lives inside the body, so the body must be parsed first: the
    # decoder's recursion limit is a refusal, not a 500. Voxology signs the raw body, so the
    # signature is checked before any parsing and the unsigned bomb never reaches the decoder.
    caplog.set_level(logging.DEBUG)
    vendor = path.split("/")[2]
    expected = "malformed_body" if status_code == 406 else "signature_missing"
    before = metric("smlog_status_webhooks_rejected_total", vendor=vendor, reason=expected)
    async with http.post(path, data=DEEP, headers={"Content-Type": "application/json"}) as r:
        assert r.status == status_code
        answer = await r.json()
    assert answer["error"]["reason"] == expected
    after = metric("smlog_status_webhooks_rejected_total", vendor=vendor, reason=expected)
    assert after == before + 1
    assert [rec.levelno for rec in caplog.records if rec.levelno >= logging.ERROR] == []
    refused = [rec for rec in caplog.records if rec.getMessage() == "webhook refused"]
    assert len(refused) == 1
    assert not any(rec.exc_info for rec in caplog.records)
    assert await journal_size(db) == 0


async def test_a_signed_deep_body_is_refused_as_malformed(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    await add_district(db)
    path = f"{CALL}?attempt_id=1"
    body, headers = signed(DEEP, path)
    async with http.post(path, data=body, headers=headers) as r:
        assert r.status == 400
        assert (await r.json())["error"]["reason"] == "malformed_body"
    assert await journal_size(db) == 0
