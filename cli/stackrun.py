"""A private stack for benchmarks, load tests and fault tests: every process on free ports and
a temp store, a district to send in, campaigns built from generated recipients and followed
to their final status.

The settings make vendor time go as fast as possible (time scale 0, no redial wait, short
status deadlines, the simulated vendors' rate limits lifted); ``extra`` overrides any of them.
"""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from smlog.auth import mint_service_token, mint_token
from smlog.cli.connect import DEV_RIGHTS
from smlog.cli.follow import progress_updates
from smlog.cli.up import Stack, scaled
from smlog.config import SERVICES, Settings
from smlog.runtime.tasks import free_port
from smlog.v1 import common_pb2, dispatch_pb2, dispatch_pb2_grpc

PORTS = (
    "dispatch_port", "status_port", "status_http_port", "log_port", "reports_port",
    "voxology_sim_port", "mailgun_sim_port", "dispatch_metrics_port", "status_metrics_port",
    "log_metrics_port", "reports_metrics_port", "voxology_sim_metrics_port",
    "mailgun_sim_metrics_port", "console_port",
)  # fmt: skip
M = common_pb2
ALL_MODES = (M.DELIVERY_MODE_INBOX, M.DELIVERY_MODE_EMAIL, M.DELIVERY_MODE_VOICE,
             M.DELIVERY_MODE_TEXT)  # fmt: skip
DISTRICT_ID = 1

Progress = common_pb2.DispatchProgress


def private_settings(tmp: Path, extra: dict[str, str] | None = None) -> tuple[Settings, list[str]]:
    """Settings for a private stack on free ports, and the same as ``--set`` flags."""
    values: dict[str, str] = {name: str(free_port()) for name in PORTS}
    values.update(
        db_path=str(tmp / "smlog.db"),
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


@asynccontextmanager
async def private_stack(
    extra: dict[str, str] | None = None,
    names: Sequence[str] = SERVICES,
    prefix: str = "smlog-stack-",
    dispatch_workers: int = 1,
) -> AsyncIterator[Stack]:
    """Started processes on a temp store (logs in its ``logs/``), stopped and removed after.
    ``dispatch_workers`` > 1 (a PostgreSQL store only) adds dispatch-2... on free ports."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        settings, args = private_settings(Path(tmp), extra)
        extra_workers = range(dispatch_workers - 1)
        ports = {
            "dispatch_port": [free_port() for _ in extra_workers],
            "dispatch_metrics_port": [free_port() for _ in extra_workers],
        }
        instances = scaled(settings, {"dispatch": dispatch_workers}, ports)
        stack = Stack(
            settings, names, extra_args=args, log_dir=Path(tmp) / "logs", instances=instances
        )
        await stack.start()
        try:
            yield stack
        finally:
            await stack.stop()


def sender_token(settings: Settings, user_id: str = "loadtest", name: str = "") -> str:
    """A token with every right, for the private district."""
    return mint_token(
        settings.jwt_secret,
        user_id=user_id,
        district_id=DISTRICT_ID,
        rights=DEV_RIGHTS,
        name=name,
    )


async def upsert_district(
    stub: dispatch_pb2_grpc.DispatchServiceAsyncStub,
    settings: Settings,
    *,
    name: str = "Load District",
    time_zone: str = "UTC",
    calendars: Sequence[common_pb2.Calendar] = (),
) -> None:
    """The private district, dialing all day (no window to wait for: runs at any hour).

    Its SMS short code is an operator's setting, so this call carries an operator service
    token (signed with the service key) instead of the stub's user token."""
    await stub.UpsertDistrict(
        dispatch_pb2.UpsertDistrictRequest(
            district=common_pb2.District(
                district_id=DISTRICT_ID, name=name, time_zone=time_zone,
                dialing_window=common_pb2.DialingWindow(start_minute=0, end_minute=1440),
                sms_short_code=settings.voxology_short_code,
            ),
            calendars=calendars,
        ),
        metadata=operator_metadata(settings),
    )  # fmt: skip


def operator_metadata(settings: Settings) -> tuple[tuple[str, str], ...]:
    """Call metadata with an operator service token: what setting a short code takes."""
    operator = mint_service_token(settings.service_jwt_secret, "operator", settings.jwt_algorithm)
    return (("authorization", f"Bearer {operator}"),)


def recipients(count: int, seed: int = 11) -> list[dispatch_pb2.Recipient]:
    """People with a portal inbox, an email address and a phone for voice and text; no phone
    number is one of the simulators' magic numbers (their outcomes follow the profile)."""
    rng = random.Random(seed)
    phone = dispatch_pb2.DEVICE_TYPE_PHONE
    people = []
    for i in range(count):
        exchange = rng.randint(200, 998)
        exchange += exchange >= 555  # never 555: +1555555 01xx are the simulators' magic numbers
        number = f"+1555{exchange:03d}{i % 10000:04d}"
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


def draft(
    message_type: int = M.MESSAGE_TYPE_EMERGENCY,
    modes: Sequence[int] = ALL_MODES,
    subject: str = "Dispatch benchmark",
) -> dispatch_pb2.MessageDraft:
    body = "Benchmark: early dismissal at 1 pm today."
    return dispatch_pb2.MessageDraft(
        message_type=message_type,  # type: ignore[arg-type]
        subject=subject,
        delivery_modes=list(modes),  # type: ignore[arg-type]
        content=common_pb2.MessageContent(
            inbox_body=body, email_body=body, voice_script=body, text_body=body
        ),
    )


async def follow(
    stub: dispatch_pb2_grpc.DispatchServiceAsyncStub,
    message_id: int,
    on_update: Callable[[Progress], None] | None = None,
) -> Progress:
    """WatchMessage until the message's final status; returns the last progress."""
    last = Progress()
    async for last in progress_updates(stub, message_id):
        if on_update is not None:
            on_update(last)
    return last


def seconds(duration: object) -> float:
    """A protobuf Duration or Timestamp in seconds."""
    nanos: int = duration.ToNanoseconds()  # type: ignore[attr-defined]
    return nanos / 1e9


def first_attempt_s(progress: Progress) -> float:
    """The slowest mode's First Attempt Duration."""
    return max((seconds(m.first_attempt_duration) for m in progress.modes), default=0.0)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks
