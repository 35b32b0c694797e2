"""``smlog district set|show``: a district's name, time zone, dialing window, short code and
calendars, through UpsertDistrict and GetDistrict (setting needs ``district_admin``).

A district must be set up before anything is sent in it.
"""

from __future__ import annotations

import argparse
import asyncio
import re

from rich.console import Console
from rich.table import Table

from smlog.cli import format as fmt
from smlog.cli.connect import add_client_flags, client_channel, print_json, to_dict
from smlog.errors import ConfigError
from smlog.v1 import common_pb2, dispatch_pb2, dispatch_pb2_grpc

_WINDOW = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    district = sub.add_parser("district", help="set up or show a district")
    district_sub = district.add_subparsers(dest="district_command", required=True, metavar="CMD")

    p = district_sub.add_parser("set", help="create or update a district (district_admin)")
    p.add_argument("district_id", type=int)
    p.add_argument("--name", required=True)
    p.add_argument("--time-zone", required=True, help="IANA zone, e.g. America/Chicago")
    p.add_argument(
        "--window",
        default="08:00-21:00",
        help="dialing window for non-emergency voice and text, local HH:MM-HH:MM",
    )
    p.add_argument("--short-code", default="", help="the district's SMS short code (digits)")
    p.add_argument(
        "--retention-days",
        type=int,
        default=0,
        help="purge messages this many days after their dispatch ended (0: keep forever)",
    )
    p.add_argument(
        "--calendar",
        dest="calendars",
        action="append",
        default=[],
        metavar="ID:SCHOOL:YEAR",
        help='a calendar, e.g. "11:Springfield High:2026-27" (repeat for more)',
    )
    add_client_flags(p)
    p.set_defaults(run=lambda a: asyncio.run(_set(a)))

    p = district_sub.add_parser("show", help="a district's settings and calendars")
    p.add_argument("district_id", type=int, nargs="?", default=0, help="default: the caller's")
    add_client_flags(p)
    p.set_defaults(run=lambda a: asyncio.run(_show(a)))


def parse_window(text: str) -> common_pb2.DialingWindow:
    match = _WINDOW.fullmatch(text.strip())
    if match is None:
        raise ConfigError(f"--window {text!r}: expected HH:MM-HH:MM, e.g. 08:00-21:00")
    start_h, start_m, end_h, end_m = (int(g) for g in match.groups())
    return common_pb2.DialingWindow(
        start_minute=start_h * 60 + start_m, end_minute=end_h * 60 + end_m
    )


def parse_calendar(text: str) -> common_pb2.Calendar:
    calendar_id, _, rest = text.partition(":")
    school, _, year = rest.rpartition(":")
    if not calendar_id.strip().isdigit() or not school.strip() or not year.strip():
        raise ConfigError(f"--calendar {text!r}: expected ID:SCHOOL:YEAR")
    return common_pb2.Calendar(
        calendar_id=int(calendar_id), school_name=school.strip(), school_year=year.strip()
    )


async def _set(args: argparse.Namespace) -> int:
    request = dispatch_pb2.UpsertDistrictRequest(
        district=common_pb2.District(
            district_id=args.district_id,
            name=args.name,
            time_zone=args.time_zone,
            dialing_window=parse_window(args.window),
            sms_short_code=args.short_code,
            retention_days=args.retention_days,
        ),
        calendars=[parse_calendar(c) for c in args.calendars],
    )
    channel, _ = client_channel(args, "dispatch")
    async with channel:
        reply = await dispatch_pb2_grpc.DispatchServiceStub(channel).UpsertDistrict(request)
    if args.json:
        print_json(to_dict(reply))
        return 0
    print_district(reply.district, list(reply.calendars))
    return 0


async def _show(args: argparse.Namespace) -> int:
    channel, _ = client_channel(args, "dispatch")
    async with channel:
        reply = await dispatch_pb2_grpc.DispatchServiceStub(channel).GetDistrict(
            common_pb2.GetDistrictRequest(district_id=args.district_id)
        )
    if args.json:
        print_json(to_dict(reply))
        return 0
    print_district(reply.district, list(reply.calendars))
    return 0


def _minutes(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def print_district(
    d: common_pb2.District, calendars: list[common_pb2.Calendar], console: Console | None = None
) -> None:
    console = console or Console()
    info = Table.grid(padding=(0, 2))
    info.add_column(style="bold")
    info.add_column()
    window = d.dialing_window
    for label, value in (
        ("District", f"{d.name} ({d.district_id})"),
        ("Time Zone", d.time_zone),
        ("Dialing Window", f"{_minutes(window.start_minute)}-{_minutes(window.end_minute)}"),
        ("Short Code", d.sms_short_code or "none (the vendor's default)"),
        ("Retention", f"{d.retention_days} days" if d.retention_days else "kept forever"),
    ):
        info.add_row(label, value)
    console.print(info)
    table = fmt.table("Calendars", ("Calendar ID", "School", "School Year"))
    for c in calendars:
        table.add_row(str(c.calendar_id), c.school_name, c.school_year)
    fmt.show(console, table)
