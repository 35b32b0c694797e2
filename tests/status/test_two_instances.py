"""Two status instances on one store take the same vendor callbacks at once (on SQLite, two
writers on one file; on PostgreSQL, the scale-out topology): each signed request is journaled
by whichever instance sees it first and refused as a replay by the other, every event is
applied exactly once whichever instance drains the journal, and events parked before their
attempt existed are applied once whichever instance retries them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from smlog.config import Settings
from smlog.runtime.tasks import free_port
from smlog.services.status.journal_apply import JOURNAL_APPLIED, JOURNAL_PARKED
from smlog.services.status.service import StatusParts
from smlog.store import Database, open_database
from smlog.v1.common_pb2 import DeviceStatus as S
from tests.pgserver import throwaway_database
from tests.status.helpers import (
    TEXT,
    VOICE,
    add_attempts,
    call_payload,
    count,
    sms_payload,
    started_status,
    voxology_request,
)
from tests.support.builders import add_district
from tests.support.waiting import wait_for

VOICE_ATTEMPTS = 90
TEXT_ATTEMPTS = 60
LATE_ATTEMPTS = 30  # their callbacks arrive before the attempts are stored: parked first
LATE_FIRST_ID = 900_001


@pytest.fixture(params=["sqlite", "postgres"])
async def shared_settings(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Settings]:
    base = Settings.load(env={}, overrides={"db_path": str(tmp_path / "smlog.db")}).replace(
        grace_seconds=1.0,
        status_parked_retry_seconds=0.05,
        status_notify_timeout_seconds=0.5,
        # Small batches, so that the two workers take turns on the journal.
        status_apply_batch_size=25,
        dispatch_port=free_port(),  # nobody listens: telling dispatch fails quietly
    )
    if request.param == "sqlite":
        yield base
        return
    async with throwaway_database() as url:
        yield base.replace(db_url=url)


async def _post(
    http: aiohttp.ClientSession, port: int, path: str, body: bytes, headers: dict[str, str]
) -> int:
    async with http.post(f"http://127.0.0.1:{port}{path}", data=body, headers=headers) as answer:
        return answer.status


def _callbacks(voice: list[int], text: list[int]) -> list[tuple[str, dict[str, Any]]]:
    calls = [
        (f"/webhooks/voxology/call?attempt_id={a}", payload)
        for a in voice
        for payload in (
            call_payload("ringing"),
            call_payload("answered"),
            call_payload("completed", digits="0", duration_s=12),
        )
    ]
    texts = [
        (f"/webhooks/voxology/sms?attempt_id={a}", payload)
        for a in text
        for payload in (sms_payload("sending"), sms_payload("sent"), sms_payload("delivered"))
    ]
    return calls + texts


async def test_two_instances_apply_every_event_exactly_once(shared_settings: Settings) -> None:
    db: Database = await open_database(shared_settings)
    try:
        await add_district(db)
        voice = await add_attempts(db, VOICE, VOICE_ATTEMPTS)
        text = await add_attempts(db, TEXT, TEXT_ATTEMPTS)
        late = list(range(LATE_FIRST_ID, LATE_FIRST_ID + LATE_ATTEMPTS))
        callbacks = _callbacks(voice + late, text)
        async with (
            started_status(shared_settings) as first,
            started_status(shared_settings) as second,
            aiohttp.ClientSession() as http,
        ):
            answers = await _deliver(http, first, second, callbacks)

            async def journal_applied() -> bool:
                sql = "SELECT count(*) FROM webhook_journal WHERE state = 0"
                return await count(db, sql) == 0

            await wait_for(journal_applied, timeout=60.0)
            # Each late event parked once, whichever instance read it (its retry is a duplicate).
            late_events = len(late) * 3
            assert await count(db, "SELECT count(*) FROM parked_events") == late_events
            await add_attempts(db, VOICE, ids=late)  # the parked events can be applied now
            every = len(voice) + len(late) + len(text)

            async def settled() -> bool:
                finals = await count(db, "SELECT count(*) FROM attempts WHERE is_final = 1")
                parked = await count(db, "SELECT count(*) FROM parked_events")
                return finals == every and parked == 0

            await wait_for(settled, timeout=60.0)
        # Each signed request: journaled once, refused as a replay by the other instance.
        assert answers["pairs"] == [(200, 403)] * len(callbacks)
        # Each honest retry (the same event, signed again) is a new request: journaled too.
        assert answers["retries"] == [200] * len(callbacks)
        journal = await db.fetch_all("SELECT state, count(*) FROM webhook_journal GROUP BY state")
        assert {int(r[0]): int(r[1]) for r in journal} == {
            JOURNAL_APPLIED: 2 * len(callbacks) - late_events,
            JOURNAL_PARKED: late_events,
        }
        # Every event applied once: one history row per event (event keys are unique), and
        # one outcome per attempt.
        assert await count(db, "SELECT count(*) FROM attempt_events") == len(callbacks)
        assert await count(db, "SELECT count(*) FROM attempt_outcomes") == every
        statuses = {
            int(r[0]): int(r[1]) for r in await db.fetch_all("SELECT id, status FROM attempts")
        }
        assert {statuses[a] for a in voice + late} == {S.DEVICE_STATUS_COMPLETED}
        assert {statuses[a] for a in text} == {S.DEVICE_STATUS_DELIVERED}
        # The targets mirror their attempt's last status.
        sql = "SELECT count(*) FROM targets WHERE status IN (?, ?)"
        done = (S.DEVICE_STATUS_COMPLETED, S.DEVICE_STATUS_DELIVERED)
        assert await count(db, sql, done) == every
    finally:
        await db.close()


async def _deliver(
    http: aiohttp.ClientSession,
    first: StatusParts,
    second: StatusParts,
    callbacks: list[tuple[str, dict[str, Any]]],
) -> dict[str, list[Any]]:
    """Each callback posted to both instances at once, then signed again (a vendor's retry)
    and posted to the second; many callbacks in flight together."""
    gate = asyncio.Semaphore(32)
    ports = (first.edge.port, second.edge.port)

    async def one(path: str, payload: dict[str, Any]) -> tuple[tuple[int, int], int]:
        async with gate:
            body, headers = voxology_request(payload, path)
            codes = await asyncio.gather(*(_post(http, p, path, body, headers) for p in ports))
            body, headers = voxology_request(payload, path, now=time.time() + 1)
            retry = await _post(http, ports[1], path, body, headers)
        return (min(codes), max(codes)), retry

    results = await asyncio.gather(*(one(path, payload) for path, payload in callbacks))
    return {"pairs": [pair for pair, _ in results], "retries": [retry for _, retry in results]}
