"""Faults of the PostgreSQL topology, end to end with real processes on a PostgreSQL server of
the test's own (``tests/private_postgres.py``): two status instances behind a load balancer,
the server stopped and started again mid-campaign, then one status instance SIGKILLed while
the simulators keep posting callbacks. The campaign finishes, every device has exactly one
final status, the simulators placed nothing twice and the counters add up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from smlog.cli.stackrun import private_settings, recipients
from smlog.cli.up import Stack
from smlog.runtime.tasks import free_port
from smlog.store.opening import reading
from smlog.v1 import common_pb2 as c
from tests.e2e.balancer import Balancer
from tests.e2e.faults import FAST, PROCESSES, Run, S, no_status_applied_twice, sims_agree
from tests.private_postgres import PrivatePostgres, private_postgres
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.e2e]
VOICE, TEXT, EMAIL = c.DELIVERY_MODE_VOICE, c.DELIVERY_MODE_TEXT, c.DELIVERY_MODE_EMAIL
SECOND_STATUS = ("status_port", "status_http_port", "status_metrics_port")


@asynccontextmanager
async def two_status_stack(
    tmp_path: Path, server: PrivatePostgres
) -> AsyncIterator[tuple[Run, Balancer]]:
    """The simulators, dispatch and one status instance (``run.stack``) and a second status
    instance, the simulators' callbacks spread over both by a balancer."""
    second_ports = {name: str(free_port()) for name in SECOND_STATUS}
    first_http = free_port()
    balancer = Balancer(
        [f"http://127.0.0.1:{first_http}", f"http://127.0.0.1:{second_ports['status_http_port']}"]
    )
    async with balancer.serving() as front:
        # Vendor time at 1/20 and the perfect profile (as the status-down fault test): the
        # callbacks spread over seconds, and a missing one would end as No Call Status.
        settings, args = private_settings(
            tmp_path,
            {**FAST, "db_url": server.url, "status_http_port": str(first_http),
             "status_public_url": front, "sim_time_scale": "0.05", "sim_profile": "perfect",
             "voice_status_deadline_seconds": "90", "text_status_deadline_seconds": "90",
             "email_status_deadline_seconds": "90"},
        )  # fmt: skip
        stack = Stack(settings, PROCESSES, extra_args=args, log_dir=tmp_path / "logs")
        second_args = [*args, *(a for k, v in second_ports.items() for a in ("--set", f"{k}={v}"))]
        second = Stack(
            settings.replace(**{k: int(v) for k, v in second_ports.items()}),
            ["status"],
            extra_args=second_args,
            log_dir=tmp_path / "logs-status-2",
        )
        await stack.start()
        try:
            await second.start()
            async with reading(settings.store_url()) as db:
                yield Run(stack, db), balancer
        finally:
            await second.stop()
            await stack.stop()


async def test_postgres_restart_and_a_status_instance_killed(tmp_path: Path) -> None:
    async with private_postgres() as server, two_status_stack(tmp_path, server) as (run, front):
        message_id = await run.send(recipients(150), [VOICE, TEXT, EMAIL])

        async def finals(n: int) -> bool:
            sql = "SELECT count(*) FROM attempts WHERE mode = ? AND is_final = 1"
            return await run.count(sql, (VOICE,)) >= n

        await wait_for(lambda: finals(10), 60)
        await server.stop()  # every connection of every process drops
        await asyncio.sleep(2)
        await server.start()
        await wait_for(lambda: finals(60), 90)
        run.stack.kill("status")  # the balancer sends its callbacks to the other instance
        await run.stack.procs["status"].wait()
        survivor = front.backends[1]
        before_kill = front.answered[survivor]
        await run.finished(message_id, timeout=180)
        assert front.answered[survivor] > before_kill, "no callback came after the kill"
        assert front.answered[front.backends[0]] > 0, "the killed instance took no callback"

        lost = "SELECT count(*) FROM attempts WHERE status IN (?, ?)"
        assert (
            await run.count(lost, (S.DEVICE_STATUS_NO_CALL_STATUS, S.DEVICE_STATUS_NO_STATUS)) == 0
        )
        await sims_agree(run, message_id)
        await no_status_applied_twice(run)
        # Each device ends with exactly one final status.
        not_final = "SELECT count(*) FROM targets WHERE message_id = ? AND is_final = 0"
        assert await run.count(not_final, (message_id,)) == 0
        assert await run.count("SELECT count(*) FROM webhook_journal WHERE state = 0") == 0
