"""``smlog log list|show|deliveries``: the Sent Message Log for people, as tables or JSON."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date
from typing import Any

from rich.console import Console
from rich.table import Table

from smlog.cli import format as fmt
from smlog.cli.connect import add_client_flags, client_channel, print_json, to_dict
from smlog.cli.log_search import add_search_parser
from smlog.errors import ConfigError
from smlog.v1 import common_pb2, log_pb2, log_pb2_grpc


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    log = sub.add_parser("log", help="read the Sent Message Log")
    log_sub = log.add_subparsers(dest="log_command", required=True, metavar="COMMAND")

    p = log_sub.add_parser("list", help="the log table, newest first")
    p.add_argument("--scope", choices=["my", "all"], help="My Messages or All Messages")
    p.add_argument("--message-id", type=int, default=0)
    p.add_argument("--start", type=date.fromisoformat, help="YYYY-MM-DD (district time zone)")
    p.add_argument("--end", type=date.fromisoformat, help="YYYY-MM-DD, inclusive")
    p.add_argument("--calendar", type=int, default=0, help="calendar id")
    p.add_argument("--subject", default="", help="subject contains (case-insensitive)")
    p.add_argument(
        "--type",
        dest="types",
        action="append",
        default=[],
        help="message type (general, priority, emergency, text_opt_in, text_opt_out)",
    )
    p.add_argument("--page-size", type=int, default=50)
    p.add_argument("--page-token", default="")
    add_client_flags(p)
    p.set_defaults(run=lambda a: asyncio.run(_list(a)))

    p = log_sub.add_parser("show", help="one message's detail")
    p.add_argument("message_id", type=int)
    add_client_flags(p)
    p.set_defaults(run=lambda a: asyncio.run(_show(a)))

    p = log_sub.add_parser("deliveries", help="one message's recipient rows")
    p.add_argument("message_id", type=int)
    p.add_argument("--mode", dest="modes", action="append", default=[])
    p.add_argument("--status", dest="statuses", action="append", default=[])
    p.add_argument("--full-devices", action="store_true", help="unmasked (needs the right)")
    p.add_argument("--page-size", type=int, default=100)
    p.add_argument("--page-token", default="")
    add_client_flags(p)
    p.set_defaults(run=lambda a: asyncio.run(_deliveries(a)))

    add_search_parser(log_sub)


SCOPES = {
    "": log_pb2.MESSAGE_SCOPE_UNSPECIFIED,
    "my": log_pb2.MESSAGE_SCOPE_MY,
    "all": log_pb2.MESSAGE_SCOPE_ALL,
}


def _date(value: date | None) -> common_pb2.Date | None:
    if value is None:
        return None
    return common_pb2.Date(year=value.year, month=value.month, day=value.day)


def parse_enums(enum: Any, prefix: str, values: list[str], flag: str) -> list[Any]:
    try:
        return [fmt.enum_value(enum, prefix, v) for v in values]
    except ValueError:
        raise ConfigError(f"{flag}: unknown value in {values}") from None


async def _list(args: argparse.Namespace) -> int:
    request = log_pb2.ListMessagesRequest(
        scope=SCOPES[args.scope or ""],
        page_size=args.page_size,
        page_token=args.page_token,
        message_id=args.message_id,
        start_date=_date(args.start),
        end_date=_date(args.end),
        calendar_id=args.calendar,
        subject=args.subject,
        message_types=parse_enums(common_pb2.MessageType, "MESSAGE_TYPE_", args.types, "--type"),
    )
    channel, _ = client_channel(args, "log")
    async with channel:
        reply = await log_pb2_grpc.SentMessageLogServiceStub(channel).ListMessages(request)
    if args.json:
        print_json(to_dict(reply))
        return 0
    print_messages(reply)
    return 0


def print_messages(reply: log_pb2.ListMessagesResponse, console: Console | None = None) -> None:
    console = console or Console()
    scope = "My Messages" if reply.scope == log_pb2.MESSAGE_SCOPE_MY else "All Messages"
    count = fmt.total(reply.total_size, reply.total_size_capped)
    table = fmt.table(
        f"Sent Message Log 2.0 — {scope} ({count} messages)",
        ("Date", "Calendars", "Subject", "Created By", "Type", "Delivery Mode", "Attachment",
         "Status", "ID"),
    )  # fmt: skip
    for m in reply.messages:
        table.add_row(
            fmt.when(m.sent_time, reply.time_zone, seconds=False),
            ", ".join(c.school_name for c in m.calendars),
            m.subject + (f" (resend of #{m.resend_of})" if m.resend_of else ""),
            m.created_by.display_name,
            fmt.message_type(m.message_type),
            fmt.modes(list(m.delivery_modes)),
            m.attachment_name or ("Yes" if m.has_attachment else "No"),
            fmt.message_status(m.status),
            str(m.message_id),
        )
    fmt.show(console, table)
    if reply.next_page_token:
        console.print(f"next page: --page-token {reply.next_page_token}")


async def _show(args: argparse.Namespace) -> int:
    channel, _ = client_channel(args, "log")
    async with channel:
        reply = await log_pb2_grpc.SentMessageLogServiceStub(channel).GetMessage(
            log_pb2.GetMessageRequest(message_id=args.message_id)
        )
    if args.json:
        print_json(to_dict(reply.message))
        return 0
    print_detail(reply.message)
    return 0


def print_detail(m: log_pb2.MessageDetail, console: Console | None = None) -> None:
    console = console or Console()
    g = m.general_criteria
    zone = g.district.time_zone or "UTC"
    info = Table.grid(padding=(0, 2))
    info.add_column(style="bold")
    info.add_column()
    rows = [
        ("Message ID", str(m.message_id)),
        ("Message Status", fmt.message_status(m.status)),
        ("District", g.district.name),
        ("Calendar", ", ".join(f"{c.school_name} {c.school_year}" for c in g.calendars)),
        ("Message Type", fmt.message_type(g.message_type)),
        ("Delivery Mode", fmt.modes(list(g.delivery_modes))),
        ("Recipients", ", ".join(g.recipient_groups)),
        ("Total Recipient Count", str(g.total_recipient_count)),
        ("Recipients with No Device", str(g.recipients_with_no_device)),
        ("Preferred Language", g.preferred_language or "All"),
        ("School Year", m.tool_criteria.school_year),
        ("Active Students Only", "Yes" if m.tool_criteria.active_students_only else "No"),
        *[(k, v) for k, v in sorted(m.tool_criteria.other.items())],
        ("Total Message Duration", fmt.duration(m.delivery_information.total_message_duration)
         + ("" if m.delivery_information.complete else " (in progress)")),
        ("Sender", m.message_details.sender.display_name),
        ("Time Sent", fmt.when(m.message_details.sent_time, zone)),
        ("Subject", m.message_details.subject),
        ("Attachment", m.message_details.attachment_name or "No"),
        *_content_rows(m),
    ]  # fmt: skip
    if m.HasField("sms_reply"):
        # A reply to the short code is not a delivery: what happened, no delivery figures.
        rows = [r for r in rows if r[0] not in _DELIVERY_ROWS]
        rows += [
            ("Number", m.sms_reply.phone),
            ("Keyword", m.sms_reply.keyword),
            ("What Happened", m.sms_reply.summary),
        ]
    if m.resend_of:
        rows.append(("Resend Of", f"#{m.resend_of}"))
    if m.resent_as:
        rows.append(("Resent As", ", ".join(f"#{r}" for r in m.resent_as)))
    for label, value in rows:
        info.add_row(label, value)
    console.print(info)
    if m.HasField("sms_reply"):
        return
    table = fmt.table(
        "Delivery Information",
        ("Delivery Mode", "Total Devices", "Total Attempts", "Total Successful", "Total Error",
         "Total Canceled", "Pending", "First Attempt Duration"),
        numeric=True,
    )  # fmt: skip
    for d in m.delivery_information.modes:
        first = fmt.duration(d.first_attempt_duration)
        table.add_row(
            fmt.mode(d.delivery_mode), str(d.total_devices), str(d.total_attempts),
            str(d.total_successful), str(d.total_error), str(d.total_canceled),
            str(d.total_pending), first + ("" if d.first_attempt_complete else " (so far)"),
        )  # fmt: skip
    fmt.show(console, table)


_DELIVERY_ROWS = frozenset(
    {"Total Recipient Count", "Recipients with No Device", "Total Message Duration"}
)
_CONTENT_FIELDS = (
    ("Inbox Message", "inbox_body"),
    ("Email Message", "email_body"),
    ("Voice Script", "voice_script"),
    ("Text Message", "text_body"),
)


def _content_rows(m: log_pb2.MessageDetail) -> list[tuple[str, str]]:
    """The message content of each mode it was sent by (Message Details in the seed)."""
    content = m.message_details.content
    if m.HasField("sms_reply"):
        return []
    return [(label, getattr(content, name)) for label, name in _CONTENT_FIELDS
            if getattr(content, name)]  # fmt: skip


async def _deliveries(args: argparse.Namespace) -> int:
    request = log_pb2.ListDeliveriesRequest(
        message_id=args.message_id,
        delivery_modes=parse_enums(common_pb2.DeliveryMode, "DELIVERY_MODE_", args.modes, "--mode"),
        statuses=parse_enums(common_pb2.DeviceStatus, "DEVICE_STATUS_", args.statuses, "--status"),
        page_size=args.page_size,
        page_token=args.page_token,
        show_full_devices=args.full_devices,
    )
    channel, _ = client_channel(args, "log")
    async with channel:
        stub = log_pb2_grpc.SentMessageLogServiceStub(channel)
        reply = await stub.ListDeliveries(request)
        if args.json:
            print_json(to_dict(reply))
            return 0
        detail = await stub.GetMessage(log_pb2.GetMessageRequest(message_id=args.message_id))
    zone = detail.message.general_criteria.district.time_zone
    console = Console()
    table = fmt.table(
        f"Recipient Details ({reply.total_size} devices)",
        ("Recipient", "Student", "Delivery Mode", "Device", "Status", "Time", "Attempts",
         "Vendor Detail"),
    )  # fmt: skip
    for d in reply.deliveries:
        table.add_row(
            d.recipient_name, d.student_name, fmt.mode(d.delivery_mode), d.device,
            fmt.device_status(d.status), fmt.when(d.status_time, zone), str(d.attempt_count),
            d.vendor_detail,
        )  # fmt: skip
    fmt.show(console, table)
    if reply.next_page_token:
        console.print(f"next page: --page-token {reply.next_page_token}")
    return 0
