"""Three dispatch workers on one PostgreSQL database (a throwaway database on the test server,
``tests/pgserver.py``), one of them SIGKILLed mid-campaign while its vendor requests are on
the way: what it claimed is taken over once its lease runs out and sent again with the same
idempotency keys. Every device ends with exactly one final status, the simulators placed no
call or text twice, and the counters add up.

Several dispatch workers need PostgreSQL (SQLite supports one dispatch process), so without
``SMLOG_TEST_PG_URL`` this test is skipped with that reason; in CI (``CI=true``) that is an
error instead."""

from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path

import aiohttp
import pytest

from smlog.cli.stackrun import private_settings, recipients
from smlog.cli.up import Stack, scaled
from smlog.runtime.tasks import free_port
from smlog.store.opening import reading
from smlog.v1 import common_pb2 as c
from tests.e2e.faults import (
    FAST,
    PROCESSES,
    Run,
    S,
    counters_match_rows,
    no_status_applied_twice,
    sims_agree,
)
from tests.pgserver import throwaway_database
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.store]
VOICE, TEXT, EMAIL = c.DELIVERY_MODE_VOICE, c.DELIVERY_MODE_TEXT, c.DELIVERY_MODE_EMAIL
PEOPLE = 150
LEASE_SECONDS = 3
_TAKEOVERS = re.compile(r'^smlog_dispatch_lease_takeovers_total\{kind="attempt"\} (\S+)$', re.M)


async def _takeovers(port: int) -> float:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        found = _TAKEOVERS.search(await response.text())
    return float(found.group(1)) if found else 0.0


async def test_a_killed_dispatch_worker_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path,
) -> None:
    async with throwaway_database() as url:
        # Small claims and pools, so that every worker holds part of the campaign; the
        # voice/text vendor holds each answer 1.5 s after placing the call or text, so the
        # killed worker dies with requests the vendor took but it never recorded.
        settings, args = private_settings(
            tmp_path,
            {**FAST, "db_url": url, "sim_profile": "perfect",
             "dispatch_lease_seconds": str(LEASE_SECONDS), "dispatch_claim_batch": "10",
             "voxology_concurrency": "8", "voice_status_deadline_seconds": "60",
             "text_status_deadline_seconds": "60", "email_status_deadline_seconds": "60"},
        )  # fmt: skip
        ports = {
            "dispatch_port": [free_port(), free_port()],
            "dispatch_metrics_port": [free_port(), free_port()],
        }
        instances = scaled(settings, {"dispatch": 3}, ports)
        stack = Stack(
            settings, PROCESSES, extra_args=args, log_dir=tmp_path / "logs", instances=instances
        )
        await stack.start()
        async with reading(settings.store_url()) as db:
            run = Run(stack, db)
            await run.faults("voxology", {"slow": 1.0, "slow_s": 1.5})
            message_id = await run.send(recipients(PEOPLE), [VOICE, TEXT, EMAIL])
            victim = f"{socket.gethostname()}:{ports['dispatch_port'][0]}"  # dispatch-2
            unanswered = (
                "SELECT id FROM attempts WHERE claimed_by = ? AND request_time IS NULL"
                " AND mode IN (?, ?)"
            )

            async def holding() -> bool:
                return len(await db.fetch_all(unanswered, (victim, VOICE, TEXT))) >= 8

            await wait_for(holding, 60)
            await asyncio.sleep(0.7)  # its requests are out: the vendor holds their answers
            stack.kill("dispatch-2")
            await stack.procs["dispatch-2"].wait()
            orphans = {int(r[0]) for r in await db.fetch_all(unanswered, (victim, VOICE, TEXT))}
            assert orphans, "the killed worker held no unanswered attempt"
            await run.faults("voxology", {})
            await run.finished(message_id, timeout=180)

            # What the dead worker held was answered, under another worker's name.
            rows = await db.fetch_all(
                "SELECT id, claimed_by, request_time, vendor_reference FROM attempts"
                " WHERE mode IN (?, ?)",
                (VOICE, TEXT),
            )
            taken = {int(r[0]): r for r in rows if int(r[0]) in orphans}
            assert len(taken) == len(orphans)
            assert all(str(r[1]) != victim and r[2] is not None for r in taken.values())
            survivors = [settings.dispatch_metrics_port, ports["dispatch_metrics_port"][1]]
            counted = sum([await _takeovers(port) for port in survivors])
            assert counted >= len(orphans)

            # Exactly one attempt per device (the perfect profile: no redial), all final.
            for mode in (VOICE, TEXT, EMAIL):
                assert (
                    await run.count(
                        "SELECT count(*) FROM attempts WHERE message_id = ? AND mode = ?",
                        (message_id, mode),
                    )
                    == PEOPLE
                )
            not_final = "SELECT count(*) FROM targets WHERE message_id = ? AND is_final = 0"
            assert await run.count(not_final, (message_id,)) == 0
            lost = "SELECT count(*) FROM attempts WHERE status IN (?, ?)"
            assert (
                await run.count(lost, (S.DEVICE_STATUS_NO_CALL_STATUS, S.DEVICE_STATUS_NO_STATUS))
                == 0
            )
            # The vendor placed each call and text once: the re-sent requests were replays.
            voxology = await run.sim("voxology")
            assert voxology["accepted"] == {"call": PEOPLE, "sms": PEOPLE}
            assert voxology["duplicates_replayed"] > 0
            assert (await run.sim("mailgun"))["accepted"] == {"email": PEOPLE}
            await sims_agree(run, message_id)
            await no_status_applied_twice(run)
            await counters_match_rows(run, message_id)
            await stack.stop()
            await asyncio.sleep(0)
