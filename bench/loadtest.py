"""``smlog loadtest``: several campaigns at once through the real processes and simulators.

Starts a private stack (dispatch, status and both simulators on free ports and a temp store,
vendor time at scale 0: ``smlog.cli.stackrun``), uploads N campaigns of M recipients (each with an
inbox, an email and a phone for voice and text), then starts them with at most C in flight:
in each wave of C the last is Emergency and starts once the others are attempting, so its
preemption of the General work shows. A live table follows every campaign; the final report
gives throughput, duration and latency percentiles, errors, duplicates and lost
(``cli.accounting``), and the last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.live import Live

from smlog.bench.loadtest_figures import Campaign, campaign_types
from smlog.bench.loadtest_report import collect
from smlog.bench.loadtest_view import campaign_table, report
from smlog.cli import format as fmt
from smlog.cli.campaigns import send_campaign
from smlog.cli.stackrun import (
    cpu_seconds,
    draft,
    follow,
    private_stack,
    recipients,
    sender_token,
    upsert_district,
)
from smlog.cli.up import Stack
from smlog.errors import ConfigError
from smlog.runtime import open_channel
from smlog.v1 import common_pb2, dispatch_pb2, dispatch_pb2_grpc

PROCESSES = ("voxology-sim", "mailgun-sim", "status", "dispatch")
MODE_NAMES = ("inbox", "email", "voice", "text")
PROFILES = ("realistic", "perfect", "harsh")
START_WAIT_SECONDS = 30.0
# Status deadlines of the private stack. Time scale 0 makes the simulators answer every send
# in a burst; on a small box their callbacks then queue for seconds, and a short deadline
# would turn late statuses into No Call Status. A device that never gets a status (the
# realistic profile's "silent" 0.2 %) keeps its campaign open this long.
DEADLINE_SECONDS = 30.0


@dataclass
class LoadOptions:
    campaigns: int = 6
    recipients: int = 1000
    concurrency: int = 3
    modes: Sequence[str] = MODE_NAMES
    faults: str = ""
    profile: str = "realistic"
    deadline: float = DEADLINE_SECONDS
    overrides: dict[str, str] = field(default_factory=dict)
    live: bool = True


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "loadtest", help="several campaigns at once against the simulators, with a live view"
    )
    p.add_argument("--campaigns", type=int, default=6, help="campaigns to send (default 6)")
    p.add_argument("--recipients", type=int, default=1000, help="recipients per campaign")
    p.add_argument("--concurrency", type=int, default=3, help="campaigns in flight at most")
    p.add_argument("--modes", nargs="+", choices=MODE_NAMES, default=list(MODE_NAMES))
    p.add_argument("--faults", default="", help='simulator faults, e.g. "error_burst=50,drop=0.01"')
    p.add_argument("--profile", choices=PROFILES, default="realistic", help="outcome mix")
    p.add_argument("--deadline", type=float, default=DEADLINE_SECONDS,
                   help="status deadline of every mode, seconds (default 30)")  # fmt: skip
    p.add_argument("--no-live", action="store_true", help="no live table (final report only)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a setting of the private stack")  # fmt: skip
    p.set_defaults(run=run)


def _options(args: argparse.Namespace) -> LoadOptions:
    if args.campaigns < 1 or args.recipients < 1 or args.concurrency < 1:
        raise ConfigError("--campaigns, --recipients and --concurrency must be at least 1")
    overrides = {}
    for item in args.overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE")
        overrides[key.strip().replace("-", "_")] = value
    return LoadOptions(
        campaigns=args.campaigns, recipients=args.recipients, concurrency=args.concurrency,
        modes=list(dict.fromkeys(args.modes)), faults=args.faults, profile=args.profile,
        deadline=args.deadline, overrides=overrides, live=not args.no_live,
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    console = Console()
    figures = asyncio.run(loadtest(_options(args), console))
    report(console, figures)
    print(json.dumps(figures), flush=True)
    return 0


async def loadtest(options: LoadOptions, console: Console) -> dict[str, Any]:
    """Run the load test on a private stack; returns its figures."""
    extra = {"sim_profile": options.profile, "sim_faults": options.faults}
    for mode in ("voice", "text", "email"):
        extra[f"{mode}_status_deadline_seconds"] = str(options.deadline)
    extra.update(options.overrides)
    async with private_stack(extra, PROCESSES, prefix="smlog-loadtest-") as stack:
        return await _drive(stack, options, console)


async def _drive(stack: Stack, options: LoadOptions, console: Console) -> dict[str, Any]:
    settings = stack.settings
    modes = [fmt.enum_value(common_pb2.DeliveryMode, "DELIVERY_MODE_", m) for m in options.modes]
    campaigns = [
        Campaign(i, t) for i, t in enumerate(campaign_types(options.campaigns, options.concurrency))
    ]
    token = sender_token(settings)
    async with open_channel(settings.target("dispatch"), token=token, timeout=120) as channel:
        stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
        await upsert_district(stub, settings)
        console.print(
            f"uploading {options.campaigns} campaigns of {options.recipients:,} recipients ..."
        )
        upload_start = time.perf_counter()
        for c in campaigns:
            message = draft(c.message_type, modes, subject=f"Load test {c.index} ({c.type_name})")
            people = recipients(options.recipients, seed=11 + c.index)
            c.message_id = await send_campaign(
                stub, f"loadtest-{c.index}", message, people, start=False
            )
        upload_s = time.perf_counter() - upload_start
        pids = [p.pid for p in stack.procs.values()]
        cpu_before = cpu_seconds(pids)
        started = time.monotonic()
        view: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
        if options.live:
            view = Live(
                get_renderable=lambda: campaign_table(campaigns, started),
                console=console,
                refresh_per_second=4,
            )
        with view:
            await _dispatch(stub, campaigns, options.concurrency)
        cpu = cpu_seconds(pids) - cpu_before
    return await collect(stack, campaigns, options.__dict__, upload_s=upload_s, cpu_s=cpu)


async def _dispatch(
    stub: dispatch_pb2_grpc.DispatchServiceAsyncStub,
    campaigns: list[Campaign],
    concurrency: int,
) -> None:
    """Start the campaigns in order, at most ``concurrency`` in flight, and follow each."""
    slots = asyncio.Semaphore(concurrency)

    async def follow_one(c: Campaign) -> None:
        try:
            c.update(await follow(stub, c.message_id, c.update))
        finally:
            slots.release()

    tasks = []
    for c in campaigns:
        await slots.acquire()
        if c.message_type == common_pb2.MESSAGE_TYPE_EMERGENCY:
            await _others_attempting(campaigns)
        c.overtook = [o.index for o in campaigns if o.in_flight]
        await stub.StartDispatch(dispatch_pb2.StartDispatchRequest(message_id=c.message_id))
        c.started = True
        tasks.append(asyncio.create_task(follow_one(c)))
    await asyncio.gather(*tasks)


async def _others_attempting(campaigns: list[Campaign]) -> None:
    """Wait (bounded) until every campaign in flight has made attempts."""
    deadline = time.monotonic() + START_WAIT_SECONDS
    while time.monotonic() < deadline:
        if all(c.total("total_attempts") > 0 for c in campaigns if c.in_flight):
            return
        await asyncio.sleep(0.02)
