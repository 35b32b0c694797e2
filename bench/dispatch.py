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
  nothing lost);
- ``status_lag_p50_s`` / ``status_lag_p99_s`` (vendor callback received → applied to the
  attempt) and ``settle_lag_p99_s`` (applied → counted by dispatch): ``bench.status_lag``.
"""

from __future__ import annotations

from typing import Any

from smlog.bench.status_lag import status_lags
from smlog.cli.accounting import account, sim_stats
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
from smlog.store.opening import connect
from smlog.v1 import common_pb2, dispatch_pb2_grpc

DEADLINE_SECONDS = 60


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
    db = await connect(settings.store_url(), readers=1, read_only=True)
    try:
        row = await db.fetch_one(
            "SELECT (SELECT MAX(request_time) FROM attempts WHERE message_id = m.id)"
            " - m.sent_time FROM messages m WHERE m.id = ?",
            (message_id,),
        )
    finally:
        await db.close()
    return int(row[0]) / 1e6 if row is not None and row[0] is not None else 0.0


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
    books = await account(
        settings, await sim_stats(settings.voxology_url), await sim_stats(settings.mailgun_url)
    )
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
        **await status_lags(settings),
    }
    return figures
