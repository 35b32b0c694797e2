"""``smlog send FILE``, ``smlog cancel ID``, ``smlog watch ID``."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.table import Table

from smlog.cli import format as fmt
from smlog.cli.campaigns import load_campaign_file, send_campaign
from smlog.cli.connect import add_client_flags, client_channel, print_json, to_dict
from smlog.cli.follow import progress_updates
from smlog.v1 import common_pb2, dispatch_pb2, dispatch_pb2_grpc


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("send", help="send a campaign described in a YAML or JSON file")
    p.add_argument("file", type=Path)
    p.add_argument("--watch", action="store_true", help="follow its progress to the end")
    add_client_flags(p)
    p.set_defaults(run=lambda a: asyncio.run(_send(a)))

    p = sub.add_parser("cancel", help="cancel a message's remaining deliveries")
    p.add_argument("message_id", type=int)
    add_client_flags(p)
    p.set_defaults(run=lambda a: asyncio.run(_cancel(a)))

    p = sub.add_parser("watch", help="follow a message's progress live")
    p.add_argument("message_id", type=int)
    add_client_flags(p)
    p.set_defaults(run=lambda a: asyncio.run(_watch(a)))


async def _send(args: argparse.Namespace) -> int:
    request_id, draft, recipients = load_campaign_file(args.file)
    channel, _ = client_channel(args, "dispatch")
    async with channel:
        stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
        message_id = await send_campaign(stub, request_id, draft, recipients)
        if args.json and not args.watch:
            print_json({"message_id": message_id})
            return 0
        print(f"message {message_id}: {len(recipients)} recipients, dispatch started")
        if args.watch:
            await watch(stub, message_id, json_output=args.json)
    return 0


async def _cancel(args: argparse.Namespace) -> int:
    channel, _ = client_channel(args, "dispatch")
    async with channel:
        reply = await dispatch_pb2_grpc.DispatchServiceStub(channel).CancelMessage(
            dispatch_pb2.CancelMessageRequest(message_id=args.message_id)
        )
    if args.json:
        print_json(to_dict(reply))
    else:
        print(
            f"message {args.message_id}: {reply.canceled_count} deliveries canceled, "
            f"status {fmt.message_status(reply.progress.status)}"
        )
    return 0


async def _watch(args: argparse.Namespace) -> int:
    channel, _ = client_channel(args, "dispatch")
    async with channel:
        await watch(
            dispatch_pb2_grpc.DispatchServiceStub(channel), args.message_id, json_output=args.json
        )
    return 0


def progress_table(p: common_pb2.DispatchProgress, width: int = 80) -> Table:
    table = fmt.table(
        f"message {p.message_id} — {fmt.message_status(p.status)} — "
        f"{fmt.duration(p.total_message_duration)}",
        ("Mode", "Devices", "Attempts", "Successful", "Error", "Canceled", "Pending",
         "First Attempt"),
        numeric=True,
    )  # fmt: skip
    for m in p.modes:
        table.add_row(
            fmt.mode(m.delivery_mode), str(m.total_devices), str(m.total_attempts),
            str(m.total_successful), str(m.total_error), str(m.total_canceled),
            str(m.total_pending),
            fmt.duration(m.first_attempt_duration) + ("" if m.first_attempt_complete else "…"),
        )  # fmt: skip
    waits = vendor_waits(p)
    if waits:
        table.caption = waits
    return fmt.fit(table, width)


def vendor_waits(p: common_pb2.DispatchProgress) -> str:
    """'waiting on mailgun: 10 email attempts, next try 12:00:03 UTC' (one line per vendor
    and mode), or '' when no attempt of the message is held after a vendor failure."""
    return "\n".join(
        f"waiting on {w.vendor}: {w.attempts_held} {fmt.mode(w.delivery_mode).lower()}"
        f" attempts, next try {fmt.when(w.next_try_time)}"
        for w in p.vendor_waits
    )


async def watch(
    stub: dispatch_pb2_grpc.DispatchServiceAsyncStub,
    message_id: int,
    *,
    json_output: bool = False,
    console: Console | None = None,
) -> common_pb2.DispatchProgress:
    """Follow WatchMessage to the message's final status; returns the last progress."""
    last = common_pb2.DispatchProgress()
    if json_output:
        async for last in progress_updates(stub, message_id):
            print_json(to_dict(last))
        return last
    with Live(console=console or Console(), refresh_per_second=4) as live:
        async for last in progress_updates(stub, message_id):
            live.update(progress_table(last, live.console.width))
    return last
