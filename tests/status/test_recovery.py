"""Nothing lost, nothing applied twice: rows journaled before a crash are applied at the next
start, and the Mailgun simulator's retries deliver everything across a restart of the edge."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import aiohttp
import pytest

from smlog.config import Settings
from smlog.runtime.tasks import free_port
from smlog.services.status.service import StatusParts, create_parts
from smlog.simulators import mailgun
from smlog.store import Database
from smlog.v1.common_pb2 import DeviceStatus as S
from tests.status.helpers import EMAIL, VOICE, add_attempts, attempt_row, call_payload, count
from tests.support.builders import add_district
from tests.support.services import http_app, started_components
from tests.support.simulators import sim_stats, wait_sim_stats
from tests.support.waiting import wait_for


async def test_journal_rows_left_by_a_crash_are_applied_at_start(
    status_settings: Settings, db: Database
) -> None:
    await add_district(db)
    attempts = await add_attempts(db, VOICE, 3)
    async with db.transaction() as tx:  # committed and answered 200, then the process died
        await tx.executemany(
            "INSERT INTO webhook_journal (vendor, kind, body, attempt_id, received_time)"
            " VALUES ('voxology', 'call', ?, ?, 1)",
            [(json.dumps(call_payload("busy")).encode(), a) for a in attempts],
        )
    parts = await create_parts(status_settings, http_port=0)
    async with started_components(parts.parts):
        # Applied during start, before the edge takes any request.
        assert await count(db, "SELECT count(*) FROM webhook_journal WHERE state = 0") == 0
        for attempt in attempts:
            assert (await attempt_row(db, attempt))["status"] == S.DEVICE_STATUS_BUSY
        assert await count(db, "SELECT count(*) FROM attempt_outcomes") == 3


@pytest.fixture
async def fixed_port_status(status_settings: Settings) -> AsyncIterator[StatusParts]:
    parts = await create_parts(status_settings, http_port=free_port())
    async with started_components(parts.parts):
        yield parts


def _mailgun_sim(webhook_url: str) -> AbstractAsyncContextManager[str]:
    settings = mailgun.MailgunSettings(
        time_scale=0.001,  # Mailgun's 10-minute retry becomes 0.6 s
        seed=11,
        profile="perfect",
        webhook_url=webhook_url,
    )
    return http_app(mailgun.build_app(settings))


async def test_mailgun_retries_deliver_everything_across_an_edge_restart(
    status_settings: Settings, db: Database, fixed_port_status: StatusParts
) -> None:
    edge = fixed_port_status.edge
    auth = {"Authorization": aiohttp.encode_basic_auth("api", status_settings.mailgun_api_key)}
    async with _mailgun_sim(f"http://127.0.0.1:{edge.port}/webhooks/mailgun") as sim:
        await add_district(db)
        attempts = await add_attempts(db, EMAIL, 40, status=S.DEVICE_STATUS_SENT)
        addresses = {f"parent{a}@example.org": {"attempt_id": a} for a in attempts}
        async with aiohttp.ClientSession(headers=auth) as http:
            async with http.post(f"{sim}/admin/faults", json={"duplicate": 0.3}) as r:
                assert r.status == 200
            await edge.stop()  # the status service goes away while the vendor posts
            form = aiohttp.FormData()
            for name, value in [
                ("from", "district@mg.smlog.test"),
                ("subject", "Snow day"),
                ("text", "School is closed."),
                ("recipient-variables", json.dumps(addresses)),
                ("v:attempt_id", "%recipient.attempt_id%"),
                *[("to", address) for address in addresses],
            ]:
                form.add_field(name, value)
            async with http.post(f"{sim}/v3/mg.smlog.test/messages", data=form) as r:
                assert r.status == 200, await r.text()
            await wait_sim_stats(
                http, sim, lambda s: s["callbacks"].get("retried", 0) >= 10, timeout=30
            )
            await edge.start()

            async def everything_applied() -> bool:
                events = await _events(http, sim)
                stored = await count(db, "SELECT count(*) FROM attempt_events")
                return len(events) == 2 * len(attempts) and stored == len(events)

            await wait_for(everything_applied, timeout=30)

            async def journal_matches_sent_posts() -> bool:
                stats = await sim_stats(http, sim)
                journal = await db.fetch_one(
                    "SELECT count(*), sum(CASE WHEN state = 0 THEN 1 ELSE 0 END)"
                    " FROM webhook_journal"
                )
                assert journal is not None
                return bool(journal[0] == stats["callbacks"].get("sent") and not journal[1])

            # Every post the sim counts as sent was journaled once and applied.
            await wait_for(journal_matches_sent_posts, timeout=30)
            stats = await sim_stats(http, sim)
        keys = await db.fetch_all("SELECT event_key FROM attempt_events")
        sim_ids = {"mailgun:" + e["id"] for e in await _events_once(sim, auth)}
        assert {str(k[0]) for k in keys} == sim_ids  # each event applied exactly once
        for attempt in attempts:
            row = await attempt_row(db, attempt)
            assert row["status"] == S.DEVICE_STATUS_SENT
            assert row["vendor_detail"] == "delivered"
        assert stats["callbacks"]["sent"] > len(sim_ids)  # duplicates really arrived
        assert stats["callbacks"]["retried"] >= 10  # and the restart really cost posts


async def _events(http: aiohttp.ClientSession, sim: str) -> list[dict[str, Any]]:
    async with http.get(f"{sim}/v3/mg.smlog.test/events", params={"limit": "300"}) as r:
        items: list[dict[str, Any]] = (await r.json())["items"]
        return items


async def _events_once(sim: str, auth: dict[str, str]) -> list[dict[str, Any]]:
    async with aiohttp.ClientSession(headers=auth) as http:
        return await _events(http, sim)
