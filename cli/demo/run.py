"""``smlog demo`` (``make run``): the stack, a demo district, live campaigns, log and reports.

1. Starts every service and both simulators on a fresh ``var/demo.db`` (service logs go to
   ``var/demo-logs/``), with the simulators' time compressed so calls take seconds.
2. Creates the demo district (three schools, their calendars, a few thousand people).
3. Has some numbers text STOP (they become Opt-Out), then sends four campaigns — an emergency
   voice+text, a general email+inbox, a priority on all four modes, and a general voice call
   that is canceled while it runs — and shows their progress live.
4. Prints the log and the emergency message's detail, writes its report in every format to
   ``./reports/``, and keeps the stack up for gRPC callers until Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import sys
from pathlib import Path

import aiohttp
from rich.console import Console
from rich.live import Live
from rich.table import Table

from smlog.auth.demo_staff import DEMO_STAFF
from smlog.cli import format as fmt
from smlog.cli.campaigns import send_campaign
from smlog.cli.demo.campaigns import DemoCampaign, demo_campaigns
from smlog.cli.demo.people import SCHOOL_YEAR, SCHOOLS, build_district, phones
from smlog.cli.follow import FINAL_MESSAGE_STATUSES, progress_updates
from smlog.cli.log_cmd import print_detail, print_messages
from smlog.cli.report_cmd import build_request, download_report
from smlog.cli.settings import settings_from_args
from smlog.cli.stackrun import sender_token, upsert_district
from smlog.cli.up import Stack, console_url, describe, forwarded_args
from smlog.config import SERVICES, Settings
from smlog.runtime import LONG_STREAM_SECONDS, open_channel
from smlog.v1 import (
    common_pb2,
    dispatch_pb2,
    dispatch_pb2_grpc,
    log_pb2,
    log_pb2_grpc,
    reports_pb2_grpc,
)

DEMO_OVERRIDES = {
    "db_path": "var/demo.db",
    "sim_time_scale": "0.02",
    "redial_wait_seconds": "3",
    "voice_status_deadline_seconds": "60",
    "text_status_deadline_seconds": "60",
    "email_status_deadline_seconds": "60",
}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="the whole stack with a demo district and campaigns")
    p.add_argument("--people", type=int, default=3000, help="size of the demo district")
    p.add_argument("--reports-dir", type=Path, default=Path("reports"))
    p.add_argument("--no-wait", action="store_true", help="stop after the demo (no Ctrl-C)")
    p.add_argument("--db", dest="db_path", help="SQLite file (default var/demo.db, recreated)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    overrides = {k: v for k, v in DEMO_OVERRIDES.items() if k != "db_path" or not args.db_path}
    args.overrides = [f"{k}={v}" for k, v in overrides.items()] + list(args.overrides)
    settings = settings_from_args(args)
    asyncio.run(demo(settings, args))
    return 0


async def demo(settings: Settings, args: argparse.Namespace) -> None:
    console = Console(width=None if sys.stdout.isatty() else 160)
    db = Path(settings.db_path)
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        path.unlink(missing_ok=True)
    log_dir = db.parent / "demo-logs"
    shutil.rmtree(log_dir, ignore_errors=True)
    names = (*SERVICES, "console")
    stack = Stack(settings, names, extra_args=forwarded_args(args), log_dir=log_dir)
    console.print(f"[bold]Starting the stack[/] (service logs in {log_dir}/) ...")
    await stack.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        console.print("smlog is up:\n" + describe(settings, names))
        emergency = await _run_campaigns(settings, args, console)
        console.print(_how_to_call(settings, emergency))
        console.print(_how_to_sign_in(settings))
        if not args.no_wait:
            console.print("[bold]The stack keeps running for gRPC callers. Ctrl-C stops it.[/]")
            await stop.wait()
    finally:
        console.print("Stopping ...")
        await stack.stop()


def _token(settings: Settings) -> str:
    return sender_token(settings, "principal.skinner", "Principal Skinner")


async def _run_campaigns(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    """Runs the demo's campaigns; returns the emergency message's id."""
    token = _token(settings)
    async with (
        open_channel(settings.target("dispatch"), token=token) as dispatch_channel,
        open_channel(settings.target("log"), token=token) as log_channel,
        open_channel(
            settings.target("reports"), token=token, timeout=LONG_STREAM_SECONDS
        ) as reports_channel,
    ):
        dispatch = dispatch_pb2_grpc.DispatchServiceStub(dispatch_channel)
        calendars = await _create_district(dispatch, settings)
        people = build_district(args.people)
        console.print(f"Demo district: {len(people)} people in {len(SCHOOLS)} schools.")
        opted_out = await opt_out_numbers(settings, phones(people)[::50])
        console.print(f"{opted_out} numbers texted STOP to the short code (they are Opt-Out).")
        await asyncio.sleep(1.0)  # let the STOP replies arrive before the texts go out
        campaigns = demo_campaigns(people, calendars)
        ids = await _send_all(dispatch, campaigns, console)
        await _follow(dispatch, ids, campaigns, console)
        log = log_pb2_grpc.SentMessageLogServiceStub(log_channel)
        listing = await log.ListMessages(
            log_pb2.ListMessagesRequest(scope=log_pb2.MESSAGE_SCOPE_ALL, page_size=20)
        )
        print_messages(listing, console)
        emergency = ids["snow-day"]
        detail = await log.GetMessage(log_pb2.GetMessageRequest(message_id=emergency))
        print_detail(detail.message, console)
        reports = reports_pb2_grpc.ReportServiceStub(reports_channel)
        for report_format in ("pdf", "csv", "docx"):
            path = await download_report(
                reports,
                build_request(emergency, report_format, None, None),
                None,
                directory=args.reports_dir,
            )
            console.print(f"Report written: {path}")
    return emergency


async def _create_district(
    dispatch: dispatch_pb2_grpc.DispatchServiceAsyncStub, settings: Settings
) -> list[int]:
    calendars = [
        common_pb2.Calendar(calendar_id=10 + i, school_name=name, school_year=SCHOOL_YEAR)
        for i, name in enumerate(SCHOOLS)
    ]
    await upsert_district(
        dispatch,
        settings,
        name="Springfield Public Schools",
        time_zone="America/Chicago",
        calendars=calendars,
    )
    return [c.calendar_id for c in calendars]


async def opt_out_numbers(settings: Settings, numbers: list[str]) -> int:
    url = f"http://{settings.host}:{settings.voxology_sim_port}/admin/reply"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        for number in numbers:
            async with session.post(url, json={"from": number, "body": "STOP"}) as resp:
                resp.raise_for_status()
    return len(numbers)


async def _send_all(
    dispatch: dispatch_pb2_grpc.DispatchServiceAsyncStub,
    campaigns: list[DemoCampaign],
    console: Console,
) -> dict[str, int]:
    ids: dict[str, int] = {}
    for c in campaigns:
        recipients = [p.recipient() for p in c.audience]
        ids[c.key] = await send_campaign(dispatch, f"demo-{c.key}", c.draft, recipients)
        console.print(
            f"Sent message {ids[c.key]} «{c.draft.subject}» "
            f"({fmt.message_type(c.draft.message_type)}, {len(recipients)} recipients)"
        )
    return ids


async def _follow(
    dispatch: dispatch_pb2_grpc.DispatchServiceAsyncStub,
    ids: dict[str, int],
    campaigns: list[DemoCampaign],
    console: Console,
) -> None:
    progress: dict[int, common_pb2.DispatchProgress] = {}

    async def watch_one(message_id: int) -> None:
        async for update in progress_updates(dispatch, message_id):
            progress[message_id] = update

    async def cancel_later(message_id: int, delay: float) -> None:
        await asyncio.sleep(delay)
        reply = await dispatch.CancelMessage(
            dispatch_pb2.CancelMessageRequest(message_id=message_id)
        )
        console.print(f"Canceled message {message_id}: {reply.canceled_count} deliveries canceled")

    tasks = [asyncio.create_task(watch_one(i)) for i in ids.values()]
    tasks += [
        asyncio.create_task(cancel_later(ids[c.key], c.cancel_after_seconds))
        for c in campaigns
        if c.cancel_after_seconds is not None
    ]
    subjects = {ids[c.key]: c.draft.subject for c in campaigns}
    with Live(_table(progress, subjects), console=console, refresh_per_second=4) as live:
        while not all(t.done() for t in tasks):
            live.update(_table(progress, subjects))
            await asyncio.sleep(0.25)
        live.update(_table(progress, subjects))
    for task in tasks:
        task.result()
    assert all(p.status in FINAL_MESSAGE_STATUSES for p in progress.values())


def _table(progress: dict[int, common_pb2.DispatchProgress], subjects: dict[int, str]) -> Table:
    table = Table(title="Live progress")
    for column in ("Message", "Subject", "Status", "Mode", "Devices", "Attempts", "Successful",
                   "Error", "Canceled", "Pending", "First Attempt", "Total"):  # fmt: skip
        table.add_column(column)
    for message_id, p in sorted(progress.items()):
        for i, m in enumerate(p.modes):
            table.add_row(
                str(message_id) if i == 0 else "",
                subjects[message_id] if i == 0 else "",
                fmt.message_status(p.status) if i == 0 else "",
                fmt.mode(m.delivery_mode), str(m.total_devices), str(m.total_attempts),
                str(m.total_successful), str(m.total_error), str(m.total_canceled),
                str(m.total_pending), fmt.duration(m.first_attempt_duration),
                fmt.duration(p.total_message_duration) if i == 0 else "",
            )  # fmt: skip
    return table


def _how_to_call(settings: Settings, message_id: int) -> str:
    token = _token(settings)
    return f"""
[bold]Call it yourself[/]
  export SMLOG_TOKEN={token}
  .venv/bin/smlog log list --scope all
  .venv/bin/smlog log show {message_id}
  .venv/bin/smlog log deliveries {message_id} --mode voice --status "No Answer"
  .venv/bin/smlog report {message_id} --format csv -o snow-day.csv
  grpcurl -plaintext {settings.target("log")} list
  grpcurl -plaintext -H "authorization: Bearer $SMLOG_TOKEN" -d '{{"page_size": 5}}' \\
      {settings.target("log")} smlog.v1.SentMessageLogService/ListMessages
"""


def _how_to_sign_in(settings: Settings) -> str:
    people = "\n".join(f"    {s.name:<26} {s.job}" for s in DEMO_STAFF)
    return f"""
[bold]The web console[/]: open {console_url(settings)} and sign in as
  Principal Skinner (sent these messages, may cancel), or anyone of:
{people}
"""
