"""The dispatch benchmark: one four-mode campaign through the real processes and simulators.

Starts every service and both simulators (time scale 0, no redial wait, short status
deadlines, vendor rate limits lifted) on a temp store and free ports, sends a campaign of N
recipients each with an inbox, an email and a phone for voice and text, follows it to the end
and reports:

- ``attempts_per_s``: device attempts (all modes, redials included) per second of the
  campaign's Total Message Duration;
- ``cpu_us_per_attempt``: CPU time of all six processes during the campaign, per attempt;
- ``first_attempt_s`` (the slowest mode's First Attempt Duration) and ``total_s``;
- ``duplicates``: sends the simulators accepted beyond the attempts we made (0 = nothing sent
  twice); ``lost``: devices without a final status plus attempts that ended without a vendor
  status although the simulator sent one (0 = nothing lost).
"""

from __future__ import annotations

import os
import random
import socket
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

from cli.campaigns import send_campaign
from cli.up import Stack
from smlog.auth import Right, mint_token
from smlog.config import SERVICES, Settings
from smlog.runtime import LONG_STREAM_SECONDS, open_channel
from smlog.store import SqliteDatabase
from smlog.v1 import common_pb2, dispatch_pb2, dispatch_pb2_grpc

PORTS = (
    "dispatch_port", "status_port", "status_http_port", "log_port", "reports_port",
    "voxology_sim_port", "mailgun_sim_port", "dispatch_metrics_port", "status_metrics_port",
    "log_metrics_port", "reports_metrics_port", "voxology_sim_metrics_port",
    "mailgun_sim_metrics_port",
)  # fmt: skip
M = common_pb2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def bench_settings(tmp: Path, extra: dict[str, str] | None = None) -> tuple[Settings, list[str]]:
    """Settings for a private stack on free ports, and the same as ``--set`` flags."""
    values: dict[str, str] = {name: str(_free_port()) for name in PORTS}
    values.update(
        db_path=str(tmp / "bench.db"),
        sim_time_scale="0",
        redial_wait_seconds="0",
        voice_status_deadline_seconds="3",
        text_status_deadline_seconds="3",
        email_status_deadline_seconds="3",
        sim_calls_per_second="0",
        sim_messages_per_second="0",
        sim_max_concurrent_calls="0",
        sim_email_requests_per_second="0",
        log_level="WARNING",
    )
    values["status_public_url"] = f"http://127.0.0.1:{values['status_http_port']}"
    values["voxology_url"] = f"http://127.0.0.1:{values['voxology_sim_port']}"
    values["mailgun_url"] = f"http://127.0.0.1:{values['mailgun_sim_port']}"
    values.update(extra or {})
    args = [arg for key, value in values.items() for arg in ("--set", f"{key}={value}")]
    return Settings.load(env={}, overrides=values), args


def recipients(count: int, seed: int = 11) -> list[dispatch_pb2.Recipient]:
    rng = random.Random(seed)
    phone = dispatch_pb2.DEVICE_TYPE_PHONE
    people = []
    for i in range(count):
        number = f"+1555{rng.randint(200, 999):03d}{i % 10000:04d}"
        people.append(
            dispatch_pb2.Recipient(
                person_id=f"b{i}",
                name=f"Bench Person {i}",
                devices=[
                    dispatch_pb2.Device(
                        device_type=dispatch_pb2.DEVICE_TYPE_PORTAL_INBOX, address=f"portal-{i}"
                    ),
                    dispatch_pb2.Device(
                        device_type=dispatch_pb2.DEVICE_TYPE_EMAIL, address=f"p{i}@example.org"
                    ),
                    dispatch_pb2.Device(device_type=phone, address=number),
                ],
            )
        )
    return people


def _draft() -> dispatch_pb2.MessageDraft:
    modes = [M.DELIVERY_MODE_INBOX, M.DELIVERY_MODE_EMAIL, M.DELIVERY_MODE_VOICE,
             M.DELIVERY_MODE_TEXT]  # fmt: skip
    body = "Benchmark: early dismissal at 1 pm today."
    return dispatch_pb2.MessageDraft(
        message_type=M.MESSAGE_TYPE_EMERGENCY,
        subject="Dispatch benchmark",
        delivery_modes=modes,
        content=common_pb2.MessageContent(
            inbox_body=body, email_body=body, voice_script=body, text_body=body
        ),
    )


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


async def sim_stats(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(f"{url}/admin/stats") as resp:
        stats: dict[str, Any] = await resp.json()
        return stats


async def bench_dispatch(count: int = 20_000, say: Any = print) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="smlog-dispatch-bench-") as tmp:
        settings, args = bench_settings(Path(tmp))
        stack = Stack(settings, SERVICES, extra_args=args, log_dir=Path(tmp) / "logs")
        await stack.start()
        try:
            return await _run(settings, stack, count, say)
        finally:
            await stack.stop()


async def _run(settings: Settings, stack: Stack, count: int, say: Any) -> dict[str, Any]:
    token = mint_token(
        settings.jwt_secret, user_id="bench", district_id=1, rights=[r.value for r in Right]
    )
    people = recipients(count)
    async with open_channel(settings.target("dispatch"), token=token, timeout=120) as channel:
        stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
        await stub.UpsertDistrict(
            dispatch_pb2.UpsertDistrictRequest(
                district=common_pb2.District(
                    district_id=1, name="Bench District", time_zone="UTC",
                    dialing_window=common_pb2.DialingWindow(start_minute=0, end_minute=1440),
                    sms_short_code=settings.voxology_short_code,
                )
            )
        )  # fmt: skip
        pids = [p.pid for p in stack.procs.values()]
        say(f"sending a four-mode campaign to {count:,} recipients ...")
        cpu_before = cpu_seconds(pids)
        message_id = await send_campaign(stub, "bench-dispatch", _draft(), people)
        last = common_pb2.DispatchProgress()
        request = dispatch_pb2.WatchMessageRequest(message_id=message_id)
        async for update in stub.WatchMessage(request, timeout=LONG_STREAM_SECONDS):
            last = update.progress
        cpu = cpu_seconds(pids) - cpu_before
    voxology = await sim_stats(settings.voxology_url)
    mailgun = await sim_stats(settings.mailgun_url)
    db = await SqliteDatabase.open(settings.db_path, readers=1, read_only=True)
    try:
        sent = await db.fetch_one(
            "SELECT count(*) FROM attempts WHERE message_id = ? AND mode != ?"
            " AND vendor_reference IS NOT NULL",
            (message_id, M.DELIVERY_MODE_INBOX),
        )
        no_status = await db.fetch_one(
            "SELECT count(*) FROM attempts WHERE message_id = ? AND status IN (?, ?)",
            (message_id, M.DEVICE_STATUS_NO_CALL_STATUS, M.DEVICE_STATUS_NO_STATUS),
        )
        open_targets = await db.fetch_one(
            "SELECT count(*) FROM targets WHERE message_id = ? AND is_final = 0", (message_id,)
        )
    finally:
        await db.close()
    accepted = sum(voxology["accepted"].values()) + sum(mailgun["accepted"].values())
    silent = sum(counts.get("silent", 0) for counts in voxology.get("outcomes", {}).values()) + sum(
        counts.get("silent", 0) for counts in mailgun.get("outcomes", {}).values()
    )
    attempts = sum(m.total_attempts for m in last.modes)
    total_s = last.total_message_duration.ToNanoseconds() / 1e9
    first_s = max(m.first_attempt_duration.ToNanoseconds() / 1e9 for m in last.modes)
    figures: dict[str, Any] = {
        "recipients": count,
        "devices": sum(m.total_devices for m in last.modes),
        "attempts": attempts,
        "message_status": common_pb2.MessageStatus.Name(last.status),
        "attempts_per_s": round(attempts / total_s, 1) if total_s else 0.0,
        "cpu_us_per_attempt": round(cpu * 1e6 / attempts, 1) if attempts else 0.0,
        "first_attempt_s": round(first_s, 3),
        "total_s": round(total_s, 3),
        "duplicates": max(0, accepted - int(sent[0] if sent else 0)),
        "lost": int(open_targets[0] if open_targets else 0)
        + max(0, int(no_status[0] if no_status else 0) - silent),
    }
    return figures
