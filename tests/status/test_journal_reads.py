"""The status worker reads the journal from the oldest row its last read found new, and from
the start every few seconds: a row committed late below that point (another status instance's
commit, say) is still applied, once."""

from __future__ import annotations

import asyncio
import json

import pytest

from smlog.config import Settings
from smlog.services.status import worker as worker_module
from smlog.services.status.service import create_parts
from smlog.services.status.worker import StatusWorker
from smlog.store import Database
from smlog.v1.common_pb2 import DeviceStatus as S
from tests.status.helpers import VOICE, add_attempts, attempt_row, call_payload, count
from tests.support.builders import add_district


async def _journal(db: Database, rows: list[tuple[int, int]]) -> None:
    """Journal rows (id, attempt id): a busy call each."""
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO webhook_journal (id, vendor, kind, body, attempt_id, received_time)"
            " VALUES (?, 'voxology', 'call', ?, ?, 1)",
            [(i, json.dumps(call_payload("busy")).encode(), a) for i, a in rows],
        )


async def test_a_row_committed_below_the_last_read_is_applied_by_a_read_from_the_start(
    status_settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker_module, "FULL_READ_SECONDS", 0.5)
    await add_district(db)
    first, second, third, late = await add_attempts(db, VOICE, 4)
    parts = await create_parts(status_settings, http_port=0)  # not started: drained here
    try:
        await _reads(db, parts.worker, (first, second, third, late))
    finally:
        for close in parts.parts.on_close:
            await close()


async def _reads(db: Database, worker: StatusWorker, attempts: tuple[int, ...]) -> None:
    first, second, third, late = attempts
    await _journal(db, [(100, first)])
    assert await worker.drain() == 1  # the first read starts at the start
    await _journal(db, [(50, late), (101, second)])  # 50: a commit that came late
    assert await worker.drain() == 1  # from row 100 on: 101 only
    assert (await attempt_row(db, late))["status"] != S.DEVICE_STATUS_BUSY

    await asyncio.sleep(0.6)
    await _journal(db, [(102, third)])
    assert await worker.drain() == 2  # from the start: 50 and 102
    for attempt in attempts:
        assert (await attempt_row(db, attempt))["status"] == S.DEVICE_STATUS_BUSY
    assert await count(db, "SELECT count(*) FROM webhook_journal WHERE state = 0") == 0
    assert await count(db, "SELECT count(*) FROM attempt_events") == 4
