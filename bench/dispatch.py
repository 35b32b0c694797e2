"""The dispatch benchmark: one four-mode campaign through the real processes and simulators.

Starts every service and both simulators (time scale 0, no redial wait, vendor rate limits
lifted: ``smlog.cli.stackrun``) on a temp store and free ports, with status deadlines of
``DEADLINE_SECONDS`` (a silent call is No Call Status only that long after its request, so a
callback that is merely late under load still counts, and ``lost`` is honest), sends a campaign
of N recipients each with an inbox, an email and a phone for voice and text, follows it to the
end and reports:

- ``attempts_per_s``: device attempts (all modes, redials included) per second of the
  **sending window**: dispatch start → the last attempt's vendor request accepted (or its
  inbox item written), ``sending_s``. Not per second of the Total Message Duration: that
  includes the status deadline, which the vendor's silent calls (0.2 % of the realistic
  profile) always wait out, whatever the throughput;
- ``cpu_us_per_attempt``: CPU time of all processes during the campaign, per attempt;
  ``cpu_s`` the same CPU seconds per process, and ``cpu_us_per_attempt_by_process`` per
  attempt per process (with several dispatch workers, ``dispatch``, ``dispatch-2``, ...: the
  cost of scaling out);
- ``workers``: dispatch processes sharing the campaign (more than one needs PostgreSQL);
- ``first_attempt_s`` (the slowest mode's First Attempt Duration) and ``total_s`` (dispatch
  start → last device final; at least the status deadline, for the silent calls);
- ``duplicates`` and ``lost`` as ``cli.accounting`` defines them (0 = nothing sent twice,
  nothing lost), counted once every callback the simulators still held when the message
  finished has been posted, applied and counted (``drain_s``): a vendor's answer that
  comes after a status deadline replaces the deadline's No Call Status (docs/statuses.md),
  so ``lost`` is what never reached the log. ``lost_at_finish`` is the same count when the
  message finished: deadline statuses a late answer was still to replace;
- ``status_lag_p50_s`` / ``status_lag_p99_s`` (vendor callback received → applied to the
  attempt) and ``settle_lag_p99_s`` (applied → counted by dispatch): ``bench.status_lag``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from smlog.bench.status_lag import status_lags
from smlog.cli.accounting import Account, account, sim_stats
from smlog.cli.campaigns import send_campaign
from smlog.cli.stackrun import (
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
from smlog.cli.up import Stack
from smlog.config import Settings
from smlog.runtime import open_channel
from smlog.store.opening import reading
from smlog.v1 import common_pb2, dispatch_pb2_grpc

DEADLINE_SECONDS = 60
DRAIN_LIMIT_SECONDS = 900
DRAIN_POLL_SECONDS = 0.5
_JOURNAL_NEW = 0  # webhook_journal.state of a callback not applied yet (docs/status.md)


def _extra() -> dict[str, str]:
    deadline = str(DEADLINE_SECONDS)
    return {
        "voice_status_deadline_seconds": deadline,
        "text_status_deadline_seconds": deadline,
        "email_status_deadline_seconds": deadline,
    }


async def bench_dispatch(
    count: int = 20_000, say: Any = print, db_url: str = "", workers: int = 1
) -> dict[str, Any]:
    """The figures on a temp SQLite file, or on the empty database at ``db_url`` with
    ``workers`` dispatch processes."""
    extra = {**_extra(), **({"db_url": db_url} if db_url else {})}
    async with private_stack(
        extra=extra, prefix="smlog-dispatch-bench-", dispatch_workers=workers
    ) as stack:
        figures = await _run(stack, count, say)
    figures["workers"] = workers
    return figures


async def sending_seconds(settings: Settings, message_id: int) -> float:
    """Dispatch start → the last attempt's vendor request accepted (inbox: written)."""
    async with reading(settings.store_url()) as db:
        row = await db.fetch_one(
            "SELECT (SELECT MAX(request_time) FROM attempts WHERE message_id = m.id)"
            " - m.sent_time FROM messages m WHERE m.id = ?",
            (message_id,),
        )
    return int(row[0]) / 1e6 if row is not None and row[0] is not None else 0.0


async def _books(settings: Settings) -> Account:
    voxology = await sim_stats(settings.voxology_url)
    return await account(settings, voxology, await sim_stats(settings.mailgun_url))


async def _callbacks_drained(settings: Settings, say: Any) -> None:
    """Wait until both simulators have posted every callback they hold and the status and
    dispatch services have applied and counted them (at most ``DRAIN_LIMIT_SECONDS``)."""
    waited = 0.0
    async with reading(settings.store_url()) as db:
        while waited < DRAIN_LIMIT_SECONDS:
            held = 0
            for url in (settings.voxology_url, settings.mailgun_url):
                held += int((await sim_stats(url)).get("callback_backlog", 0))
            journal = await db.fetch_one(
                "SELECT COUNT(*) FROM webhook_journal WHERE state = ?", (_JOURNAL_NEW,)
            )
            outcomes = await db.fetch_one(
                "SELECT COUNT(*) FROM attempt_outcomes WHERE consumed = 0"
            )
            unapplied = int(journal[0]) if journal is not None else 0
            uncounted = int(outcomes[0]) if outcomes is not None else 0
            if held == unapplied == uncounted == 0:
                return
            if waited % 10 < DRAIN_POLL_SECONDS:
                say(
                    f"  callbacks still to apply: {held:,} at the simulators,"
                    f" {unapplied:,} journaled, {uncounted:,} outcomes to count"
                )
            await asyncio.sleep(DRAIN_POLL_SECONDS)
            waited += DRAIN_POLL_SECONDS
        say(f"  gave up waiting for the callbacks after {DRAIN_LIMIT_SECONDS} s")


async def _run(stack: Stack, count: int, say: Any) -> dict[str, Any]:
    settings = stack.settings
    people = recipients(count)
    token = sender_token(settings)
    pids = {name: p.pid for name, p in stack.procs.items()}
    async with open_channel(settings.target("dispatch"), token=token, timeout=120) as channel:
        stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
        await upsert_district(stub, settings)
        say(f"sending a four-mode campaign to {count:,} recipients ...")
        cpu_before = {name: cpu_seconds([pid]) for name, pid in pids.items()}
        message_id = await send_campaign(stub, "bench-dispatch", draft(), people)
        last = await follow(stub, message_id)
        cpu_s = {name: cpu_seconds([pid]) - cpu_before[name] for name, pid in pids.items()}
    at_finish = await _books(settings)
    drained = time.monotonic()
    await _callbacks_drained(settings, say)
    drain_s = time.monotonic() - drained
    books = await _books(settings)
    attempts = sum(m.total_attempts for m in last.modes)
    sending_s = await sending_seconds(settings, message_id)
    cpu = sum(cpu_s.values())
    figures: dict[str, Any] = {
        "recipients": count,
        "devices": sum(m.total_devices for m in last.modes),
        "attempts": attempts,
        "message_status": common_pb2.MessageStatus.Name(last.status),
        "attempts_per_s": round(attempts / sending_s, 1) if sending_s else 0.0,
        "sending_s": round(sending_s, 3),
        "cpu_us_per_attempt": round(cpu * 1e6 / attempts, 1) if attempts else 0.0,
        "cpu_s": {name: round(value, 2) for name, value in cpu_s.items()},
        "cpu_us_per_attempt_by_process": {
            name: round(value * 1e6 / attempts, 1) if attempts else 0.0
            for name, value in cpu_s.items()
        },
        "first_attempt_s": round(first_attempt_s(last), 3),
        "total_s": round(seconds(last.total_message_duration), 3),
        "status_deadline_s": DEADLINE_SECONDS,
        "duplicates": books.duplicates,
        "lost": books.lost,
        "lost_at_finish": at_finish.lost,
        "drain_s": round(drain_s, 3),
        **await status_lags(settings),
    }
    return figures
