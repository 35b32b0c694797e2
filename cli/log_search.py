"""``smlog log search``: one person's device rows across the messages the caller may see."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date

from rich.console import Console

from smlog.cli import format as fmt
from smlog.cli.connect import add_client_flags, client_channel, print_json, to_dict
from smlog.v1 import common_pb2, log_pb2, log_pb2_grpc


def add_search_parser(log_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = log_sub.add_parser("search", help="find a recipient across messages, newest first")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--phone", help="any common form, e.g. '(555) 555-0123'")
    who.add_argument("--email", help="case-insensitive")
    who.add_argument("--name", help="case-insensitive prefix of the person's name")
    who.add_argument("--person", help="the person id messages were sent with")
    p.add_argument("--start", type=date.fromisoformat, help="YYYY-MM-DD (district time zone)")
    p.add_argument("--end", type=date.fromisoformat, help="YYYY-MM-DD, inclusive")
    p.add_argument("--mode", dest="modes", action="append", default=[])
    p.add_argument("--full-devices", action="store_true", help="unmasked (needs the right)")
    p.add_argument("--page-size", type=int, default=50)
    p.add_argument("--page-token", default="")
    add_client_flags(p)
    p.set_defaults(run=lambda a: asyncio.run(_search(a)))


def search_request(args: argparse.Namespace) -> log_pb2.SearchDeliveriesRequest:
    from smlog.cli.log_cmd import _date, parse_enums

    request = log_pb2.SearchDeliveriesRequest(
        start_date=_date(args.start),
        end_date=_date(args.end),
        delivery_modes=parse_enums(common_pb2.DeliveryMode, "DELIVERY_MODE_", args.modes, "--mode"),
        page_size=args.page_size,
        page_token=args.page_token,
        show_full_devices=args.full_devices,
    )
    if args.phone is not None:
        request.phone = args.phone
    elif args.email is not None:
        request.email = args.email
    elif args.name is not None:
        request.name = args.name
    else:
        request.person_id = args.person
    return request


async def _search(args: argparse.Namespace) -> int:
    channel, _ = client_channel(args, "log")
    async with channel:
        stub = log_pb2_grpc.SentMessageLogServiceStub(channel)
        reply = await stub.SearchDeliveries(search_request(args))
    if args.json:
        print_json(to_dict(reply))
        return 0
    print_hits(reply)
    return 0


def print_hits(reply: log_pb2.SearchDeliveriesResponse, console: Console | None = None) -> None:
    console = console or Console()
    table = fmt.table(
        "Recipient search",
        ("ID", "Sent", "Subject", "Recipient", "Mode", "Device", "Status", "Attempts"),
    )  # fmt: skip
    zone = reply.time_zone or "UTC"
    for h in reply.hits:
        d = h.delivery
        table.add_row(
            str(h.message_id), fmt.when(h.sent_time, zone, seconds=False), h.subject,
            d.recipient_name, fmt.mode(d.delivery_mode), d.device, fmt.device_status(d.status),
            str(d.attempt_count),
        )  # fmt: skip
    fmt.show(console, table)
    if reply.next_page_token:
        console.print(f"next page: --page-token {reply.next_page_token}")
