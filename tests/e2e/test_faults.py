"""Faults end to end, with the real processes and simulators: dispatch killed mid-campaign,
status down while the simulators keep calling back, vendor 500 bursts and dropped callbacks,
dispatch killed during a vendor outage.
Each campaign finishes; the store's counts equal what the simulators report; nothing is
sent twice and nothing is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from smlog.cli.stackrun import recipients
from smlog.v1 import common_pb2 as c
from tests.e2e.faults import (
    CALL_OUTCOMES,
    S,
    by_outcome,
    counters_match_rows,
    fault_stack,
    no_status_applied_twice,
    sims_agree,
)
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.store]
ALL_MODES = [c.DELIVERY_MODE_INBOX, c.DELIVERY_MODE_EMAIL, c.DELIVERY_MODE_VOICE,
             c.DELIVERY_MODE_TEXT]  # fmt: skip
VOICE, TEXT, EMAIL = c.DELIVERY_MODE_VOICE, c.DELIVERY_MODE_TEXT, c.DELIVERY_MODE_EMAIL


async def test_dispatch_killed_mid_campaign_restarts_and_finishes(tmp_path: Path) -> None:
    n = 300
    async with fault_stack(
        tmp_path, voxology_concurrency="16", dispatch_claim_batch="40",
        dispatch_email_batch_size="40",
    ) as run:  # fmt: skip
        message_id = await run.send(recipients(n), ALL_MODES)

        async def some_calls() -> bool:
            return await run.count("SELECT count(*) FROM attempts WHERE mode = ?", (VOICE,)) >= 60

        await wait_for(some_calls, 30)
        run.stack.kill("dispatch")
        await run.stack.procs["dispatch"].wait()
        first_calls = await run.count(
            "SELECT count(*) FROM attempts WHERE mode = ? AND number = 1", (VOICE,)
        )
        assert first_calls < n, "the campaign was fully dialed before the kill"
        await run.stack.restart("dispatch")
        await run.finished(message_id)
        await sims_agree(run, message_id)
        await no_status_applied_twice(run)


async def test_status_down_while_the_simulators_call_back(tmp_path: Path) -> None:
    # Vendor time at 1/20: calls last about 1 to 6 s and Voxology retries a callback after
    # 0.25, 1.5, 6 and 30 s, so the callbacks of calls placed before the outage arrive while
    # status is down and are delivered by the retries. The profile never stays silent: the
    # deadlines (60 s) are never reached and any No Call Status would be a lost callback.
    async with fault_stack(
        tmp_path, sim_time_scale="0.05", sim_profile="perfect",
        voice_status_deadline_seconds="60", text_status_deadline_seconds="60",
    ) as run:  # fmt: skip
        redialed = recipients(1)[0]
        redialed.person_id = "busy-busy-completed"
        redialed.devices[2].address = "+15555550109"  # also texted: delivered
        everyone = [*recipients(200), redialed]
        message_id = await run.send(everyone, [VOICE, TEXT, EMAIL])

        async def some_final() -> bool:
            return (
                await run.count(
                    "SELECT count(*) FROM attempts WHERE mode = ? AND is_final = 1", (VOICE,)
                )
                >= 10
            )

        await wait_for(some_final, 30)
        run.stack.kill("status")
        await run.stack.procs["status"].wait()

        async def callbacks_refused() -> bool:
            return int((await run.sim("voxology"))["callbacks"].get("retried", 0)) >= 20

        await wait_for(callbacks_refused, 30)
        await run.stack.restart("status")
        await run.finished(message_id)
        assert (
            await run.count(
                "SELECT count(*) FROM attempts WHERE status IN (?, ?)",
                (S.DEVICE_STATUS_NO_CALL_STATUS, S.DEVICE_STATUS_NO_STATUS),
            )
            == 0
        )
        await sims_agree(run, message_id)
        await no_status_applied_twice(run)
        journal_left = await run.count("SELECT count(*) FROM webhook_journal WHERE state = 0")
        assert journal_left == 0


async def test_vendor_500_bursts_and_dropped_callbacks(tmp_path: Path) -> None:
    async with fault_stack(tmp_path, dispatch_email_batch_size="50") as run:
        message_id = await run.send(recipients(300), [VOICE, EMAIL], start=False)
        await run.faults("voxology", {"error_burst": 20, "drop": 0.1})
        await run.faults("mailgun", {"error_burst": 2})
        await run.start(message_id)

        async def under_way() -> bool:
            return await run.count("SELECT count(*) FROM attempts WHERE mode = ?", (VOICE,)) >= 100

        await wait_for(under_way, 30)

        async def first_burst_spent() -> bool:
            return int((await run.faults("voxology"))["error_burst_left"]) == 0

        # The second burst starts once the first is spent: setting it replaces what is left.
        await wait_for(first_burst_spent, 60)
        first_left = 0
        await run.faults("voxology", {"error_burst": 20, "drop": 0.1})  # a second burst
        await run.finished(message_id)

        voxology, mailgun = await run.sim("voxology"), await run.sim("mailgun")
        second_left = int((await run.faults("voxology"))["error_burst_left"])
        mail_left = int((await run.faults("mailgun"))["error_burst_left"])
        assert voxology["responses"]["500"] == (20 - first_left) + (20 - second_left) >= 20
        assert mailgun["responses"]["500"] == 2 - mail_left == 2
        # Every 500 was retried under the same key: no attempt ended Vendor Error, and the
        # sends the simulators accepted are exactly our attempts.
        assert (
            await run.count(
                "SELECT count(*) FROM attempts WHERE status = ?", (S.DEVICE_STATUS_VENDOR_ERROR,)
            )
            == 0
        )
        calls = await run.attempt_statuses(VOICE)
        assert voxology["accepted"] == {"call": sum(calls.values())}
        emails = await run.attempt_statuses(EMAIL)
        assert mailgun["accepted"] == {"email": emails[S.DEVICE_STATUS_SENT]} == {"email": 300}
        # A dropped callback leaves its call without a status until the deadline: No Call
        # Status, like a call the vendor never reports on; every other outcome arrived.
        dropped = voxology["callbacks"].get("dropped", 0)
        planned = {k: n for k, n in voxology["outcomes"]["call"].items() if n}
        got = by_outcome(calls, CALL_OUTCOMES)
        assert dropped > 0
        assert got.get("silent", 0) == planned.get("silent", 0) + dropped
        assert all(got.get(k, 0) <= n for k, n in planned.items() if k != "silent")
        assert sum(n - got.get(k, 0) for k, n in planned.items() if k != "silent") == dropped
        await counters_match_rows(run, message_id)
        books = await run.books()
        assert (books.duplicates, books.lost) == (0, 0), books


async def test_dispatch_killed_during_a_vendor_outage_keeps_its_retries(tmp_path: Path) -> None:
    """Both vendors down for a few seconds, dispatch SIGKILLed while requests are held: the
    held rows survive, the restart sends them under their keys when due, and every attempt
    ends with its real outcome (none Vendor Error), nothing sent twice, nothing lost."""
    async with fault_stack(
        tmp_path, vendor_max_retries="0", vendor_retry_initial_seconds="0.2",
        vendor_retry_max_seconds="1", vendor_breaker_probe_seconds="0.5",
        dispatch_email_batch_size="20",
    ) as run:  # fmt: skip
        message_id = await run.send(recipients(60), ALL_MODES, start=False)
        await run.faults("voxology", {"outage_s": 8})
        await run.faults("mailgun", {"outage_s": 8})
        await run.start(message_id)

        async def held() -> bool:
            return await run.count("SELECT count(*) FROM vendor_retries") >= 10

        await wait_for(held, 30)
        run.stack.kill("dispatch")
        await run.stack.procs["dispatch"].wait()
        assert await run.count("SELECT count(*) FROM vendor_retries") >= 10
        await run.stack.restart("dispatch")
        await run.finished(message_id, timeout=120)
        assert await run.count("SELECT count(*) FROM vendor_retries") == 0
        vendor_errors = "SELECT count(*) FROM attempts WHERE status = ?"
        assert await run.count(vendor_errors, (S.DEVICE_STATUS_VENDOR_ERROR,)) == 0
        await sims_agree(run, message_id)
        await no_status_applied_twice(run)
