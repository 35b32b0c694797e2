"""The dispatch benchmark: one four-mode campaign through the real processes and simulators.

Starts every service and both simulators (time scale 0, no redial wait, short status
deadlines, vendor rate limits lifted: ``cli.stackrun``) on a temp store and free ports, sends
a campaign of N recipients each with an inbox, an email and a phone for voice and text,
follows it to the end and reports:

- ``attempts_per_s``: device attempts (all modes, redials included) per second of the
  campaign's Total Message Duration;
- ``cpu_us_per_attempt``: CPU time of all six processes during the campaign, per attempt;
- ``first_attempt_s`` (the slowest mode's First Attempt Duration) and ``total_s``;
- ``duplicates`` and ``lost`` as ``cli.accounting`` defines them (0 = nothing sent twice,
  nothing lost).
"""

from __future__ import annotations

from typing import Any

from cli.accounting import account, sim_stats
from cli.campaigns import send_campaign
from cli.stackrun import (
    cpu_seconds,
    draft,
    first_attempt_s,
    follow,
    private_stack,
    recipients,
    seconds,
    sender_token,
    upsert_district,
)
from cli.up import Stack
from smlog.runtime import open_channel
from smlog.v1 import common_pb2, dispatch_pb2_grpc


async def bench_dispatch(count: int = 20_000, say: Any = print) -> dict[str, Any]:
    async with private_stack(prefix="smlog-dispatch-bench-") as stack:
        return await _run(stack, count, say)


async def _run(stack: Stack, count: int, say: Any) -> dict[str, Any]:
    settings = stack.settings
    people = recipients(count)
    token = sender_token(settings)
    async with open_channel(settings.target("dispatch"), token=token, timeout=120) as channel:
        stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
        await upsert_district(stub, settings)
        pids = [p.pid for p in stack.procs.values()]
        say(f"sending a four-mode campaign to {count:,} recipients ...")
        cpu_before = cpu_seconds(pids)
        message_id = await send_campaign(stub, "bench-dispatch", draft(), people)
        last = await follow(stub, message_id)
        cpu = cpu_seconds(pids) - cpu_before
    books = await account(
        settings, await sim_stats(settings.voxology_url), await sim_stats(settings.mailgun_url)
    )
    attempts = sum(m.total_attempts for m in last.modes)
    total_s = seconds(last.total_message_duration)
    figures: dict[str, Any] = {
        "recipients": count,
        "devices": sum(m.total_devices for m in last.modes),
        "attempts": attempts,
        "message_status": common_pb2.MessageStatus.Name(last.status),
        "attempts_per_s": round(attempts / total_s, 1) if total_s else 0.0,
        "cpu_us_per_attempt": round(cpu * 1e6 / attempts, 1) if attempts else 0.0,
        "first_attempt_s": round(first_attempt_s(last), 3),
        "total_s": round(total_s, 3),
        "duplicates": books.duplicates,
        "lost": books.lost,
    }
    return figures
