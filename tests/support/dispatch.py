"""A dispatch service on port 0 with the real simulators, and a stand-in for the status
service's webhook edge: each vendor callback is decoded by the status service's own payload
parsers (its vendor-to-canonical mapping) and applied by its own applier, then dispatch is
nudged, as docs/data-ownership.md says status does. ``make``/``h`` are the fixtures."""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from grpc import aio

from smlog.auth import Caller
from smlog.config import Settings
from smlog.runtime import GrpcHost
from smlog.services.dispatch.accept import upsert_district
from smlog.services.dispatch.clock import SystemClock
from smlog.services.dispatch.loops import Dispatcher
from smlog.services.dispatch.service import create
from smlog.services.status.applier import apply_events
from smlog.services.status.events import StatusEvent
from smlog.services.status.payloads import (
    ParsedEvent,
    PayloadError,
    load_object,
    mailgun_event,
    voxology_call_event,
    voxology_sms_event,
)
from smlog.simulators import mailgun as mailgun_sim
from smlog.simulators import voxology as voxology_sim
from smlog.store import Database, migrate
from smlog.store.opening import connect
from smlog.v1 import common_pb2 as c
from smlog.v1 import dispatch_pb2 as d
from smlog.v1 import dispatch_pb2_grpc
from tests.support.rights import ALL_RIGHTS
from tests.support.services import http_app
from tests.support.tokens import service_channel, user_channel
from tests.support.waiting import wait_for

S = c.DeviceStatus
_EVENT_KEYS = itertools.count(1)


async def store_district(db: Database, caller: Caller) -> None:
    """District 1 (UTC, dialing all day) written straight through dispatch's store code."""
    await upsert_district(
        db,
        caller,
        c.District(
            district_id=1,
            name="D",
            time_zone="UTC",
            dialing_window=c.DialingWindow(start_minute=0, end_minute=1440),
        ),
        [],
    )


async def apply_status(
    db: Database, attempt_id: int, status: int, time_us: int | None = None
) -> bool:
    """A canonical status for an attempt, applied by the status service's own applier
    (forward-only attempt update, target mirror, the outcome row when the attempt turned
    final); whether the attempt turned final."""
    when = time_us if time_us is not None else time.time_ns() // 1000
    event = StatusEvent(f"harness-{next(_EVENT_KEYS)}", attempt_id, status, when, "", "", "test")
    return await apply_event(db, event, when)


async def apply_event(db: Database, event: StatusEvent, now: int | None = None) -> bool:
    """One decoded vendor event applied as the status worker applies it; whether its attempt
    turned final."""
    when = now if now is not None else time.time_ns() // 1000
    async with db.transaction() as tx:
        result = await apply_events(tx, [event], when)
    return bool(result.outcomes)


def decode_callback(kind: str, body: bytes, attempt_id: int) -> ParsedEvent | None:
    """A vendor callback decoded by the status service's payload parsers (``kind``: the last
    path segment: ``call``, ``sms``, ``inbound``, ``mailgun``); None for an inbound text or a
    body status would refuse."""
    try:
        doc = load_object(body)
        if kind == "mailgun":
            return mailgun_event(doc)
        if kind == "call":
            return voxology_call_event(doc, attempt_id)
        if kind == "sms":
            return voxology_sms_event(doc, attempt_id)
    except PayloadError:
        return None
    return None


@dataclass
class Harness:
    settings: Settings
    clock: Any
    db: Database
    host: GrpcHost | None = None
    channel: aio.Channel | None = None
    stub: dispatch_pb2_grpc.DispatchServiceStub | None = None
    service_stub: dispatch_pb2_grpc.DispatchServiceStub | None = None
    callbacks: list[tuple[str, int, bytes]] = field(default_factory=list)
    apply_callbacks: bool = True
    sims: dict[str, str] = field(default_factory=dict)  # vendor -> base URL
    servers: AsyncExitStack = field(default_factory=AsyncExitStack)
    service_channel: aio.Channel | None = None

    # -- processes ---------------------------------------------------------------------

    async def start_dispatch(self) -> None:
        parts = await create(self.settings, clock=self.clock)
        self.host = GrpcHost(parts, self.settings, port=0)
        port = await self.host.start()
        self.channel = user_channel(self.settings, port, "u1", 1, ALL_RIGHTS, name="Ann")
        self.stub = dispatch_pb2_grpc.DispatchServiceStub(self.channel)
        self.service_channel = service_channel(self.settings, port, "status")
        self.service_stub = dispatch_pb2_grpc.DispatchServiceStub(self.service_channel)

    async def stop_dispatch(self) -> None:
        for channel in (self.channel, self.service_channel):
            if channel is not None:
                await channel.close()
        if self.host is not None:
            await self.host.stop(0)
        self.host = None
        self.channel = self.service_channel = None
        self.service_stub = None

    @property
    def engine(self) -> Dispatcher:
        """The running dispatch engine (its public hooks: ``wake``, ``faults``)."""
        assert self.host is not None
        engine = self.host.parts.components[0]
        assert isinstance(engine, Dispatcher)
        return engine

    async def kill_dispatch(self) -> None:
        """Stop as abruptly as an in-process test can: no flush of buffered answers (the
        ``answers_unwritten`` fault hook, docs/dispatch.md)."""
        self.engine.faults.answers_unwritten = True
        await self.stop_dispatch()

    async def scheduler_ran(self) -> None:
        """Wake the scheduler and wait until a whole claim pass ran after this call."""
        engine = self.engine
        before = engine.claim_passes
        engine.wake()
        await wait_for(lambda: _at_least(engine, before + 2))

    # -- campaigns ---------------------------------------------------------------------

    async def district(self, **window: int) -> None:
        assert self.stub is not None
        await self.stub.UpsertDistrict(
            d.UpsertDistrictRequest(
                district=c.District(
                    district_id=1,
                    name="Springfield",
                    time_zone="America/Chicago",
                    dialing_window=c.DialingWindow(**window) if window else None,
                ),
                calendars=[c.Calendar(calendar_id=11, school_name="High", school_year="2026-27")],
            )
        )

    async def send(
        self,
        recipients: Iterable[d.Recipient],
        modes: Iterable[int],
        message_type: int = c.MessageType.MESSAGE_TYPE_GENERAL,
        request_id: str = "",
        start: bool = True,
    ) -> int:
        assert self.stub is not None
        draft = d.MessageDraft(
            message_type=message_type,  # type: ignore[arg-type]
            subject="Snow day",
            delivery_modes=list(modes),  # type: ignore[arg-type]
            content=c.MessageContent(
                inbox_body="No school",
                email_body="No school",
                voice_script="No school",
                text_body="No school",
            ),
            calendar_ids=[11],
        )
        created = await self.stub.CreateMessage(
            d.CreateMessageRequest(request_id=request_id or f"r{time.time_ns()}", message=draft)
        )
        people = list(recipients)

        async def batches() -> Any:
            for i in range(0, max(len(people), 1), 500):
                yield d.AddRecipientsRequest(
                    message_id=created.message_id, recipients=people[i : i + 500]
                )

        await self.stub.AddRecipients(batches())
        if start:
            await self.stub.StartDispatch(d.StartDispatchRequest(message_id=created.message_id))
        return created.message_id

    async def progress(self, message_id: int) -> c.DispatchProgress:
        assert self.stub is not None
        watch = self.stub.WatchMessage(d.WatchMessageRequest(message_id=message_id), timeout=5)
        async for response in watch:
            watch.cancel()
            return response.progress
        raise AssertionError("no progress")

    async def finished(self, message_id: int, timeout: float = 15) -> c.DispatchProgress:
        await wait_for(lambda: self._status(message_id), timeout)
        return await self.progress(message_id)

    async def _status(self, message_id: int) -> bool:
        row = await self.db.fetch_one("SELECT status FROM messages WHERE id = ?", (message_id,))
        return row is not None and int(row[0]) not in (1, 6)

    async def report(self, attempt_id: int, status: int, time_us: int | None = None) -> None:
        await apply_status(self.db, attempt_id, status, time_us)
        assert self.service_stub is not None
        await self.service_stub.ReportAttemptOutcomes(d.ReportAttemptOutcomesRequest())

    async def db_exec(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(sql, params)

    async def attempts(self, message_id: int) -> list[Any]:
        return await self.db.fetch_all(
            "SELECT a.id, a.mode, a.number, a.status, a.is_final, t.address, a.request_time,"
            " a.idempotency_key FROM attempts a JOIN targets t ON t.id = a.target_id"
            " WHERE a.message_id = ? ORDER BY a.id",
            (message_id,),
        )

    async def targets(self, message_id: int) -> list[Any]:
        return await self.db.fetch_all(
            "SELECT mode, address, status, is_final, attempt_count, is_first_device FROM targets"
            " WHERE message_id = ? ORDER BY id",
            (message_id,),
        )

    async def sim_accepted(self, vendor: str, to: str) -> dict[str, int]:
        url = f"{self.sims[vendor]}/admin/recipient"
        async with aiohttp.ClientSession() as session, session.get(url, params={"to": to}) as r:
            body = await r.json()
        accepted: dict[str, int] = body["accepted"]
        return accepted

    async def sim_stats(self, vendor: str) -> dict[str, Any]:
        url = f"{self.sims[vendor]}/admin/stats"
        async with aiohttp.ClientSession() as session, session.get(url) as r:
            body: dict[str, Any] = await r.json()
        return body

    async def sim_faults(self, vendor: str, spec: dict[str, Any]) -> dict[str, Any]:
        """Replace a simulator's faults (its ``/admin/faults``); the faults now in force."""
        url = f"{self.sims[vendor]}/admin/faults"
        async with aiohttp.ClientSession() as session, session.post(url, json=spec) as r:
            assert r.status == 200
            answer: dict[str, Any] = await r.json()
        return answer

    # -- callbacks (the status stand-in) -------------------------------------------------

    async def on_callback(self, request: web.Request) -> web.Response:
        body = await request.read()
        attempt_id = int(request.query.get("attempt_id", "0"))
        kind = request.path.rsplit("/", 1)[-1]
        self.callbacks.append((kind, attempt_id, body))
        if self.apply_callbacks:
            parsed = decode_callback(kind, body, attempt_id)
            if parsed is not None and await apply_event(self.db, parsed.event):
                stub = self.service_stub
                if stub is not None:
                    with contextlib.suppress(Exception):  # dispatch may be down: it polls
                        await stub.ReportAttemptOutcomes(d.ReportAttemptOutcomesRequest())
        return web.json_response({"ok": True})

    async def close(self) -> None:
        await self.stop_dispatch()
        await self.servers.aclose()
        await self.db.close()


async def _at_least(engine: Dispatcher, passes: int) -> bool:
    engine.wake()
    return engine.claim_passes >= passes


async def start_sims(harness: Harness, calls_per_second: float = 1000.0) -> dict[str, str]:
    """The callback sink and both simulators (perfect profile, no delays; Voxology takes
    ``calls_per_second``, answering 429 beyond it) on free ports; the settings that point
    dispatch at them."""
    app = web.Application()
    app.router.add_post("/webhooks/{tail:.*}", harness.on_callback)
    sink = await harness.servers.enter_async_context(http_app(app))
    hooks = f"{sink}/webhooks"
    vox = voxology_sim.build_app(
        voxology_sim.VoxologySettings(
            time_scale=0,
            seed=1,
            profile="perfect",
            port=0,
            call_callback_url=f"{hooks}/voxology/call",
            sms_callback_url=f"{hooks}/voxology/sms",
            inbound_url=f"{hooks}/voxology/inbound",
            signing_secret="s",
            retry_after_s=0.01,
            calls_per_second=calls_per_second,
        )
    )
    mail = mailgun_sim.build_app(
        mailgun_sim.MailgunSettings(
            time_scale=0,
            seed=1,
            profile="perfect",
            port=0,
            webhook_url=f"{hooks}/mailgun",
            retry_after_s=0.01,
        )
    )
    harness.sims = {
        "voxology": await harness.servers.enter_async_context(http_app(vox)),
        "mailgun": await harness.servers.enter_async_context(http_app(mail)),
    }
    return {
        "status_public_url": sink,
        "voxology_url": harness.sims["voxology"],
        "mailgun_url": harness.sims["mailgun"],
    }


# Settings that make a test's dispatch quick: short retries, waits and polls.
FAST: dict[str, Any] = dict(
    vendor_retry_initial_seconds=0.05,
    vendor_retry_max_seconds=0.2,
    vendor_retry_horizon_emergency_seconds=0.5,
    vendor_retry_horizon_priority_seconds=0.5,
    vendor_retry_horizon_general_seconds=0.5,
    vendor_breaker_probe_seconds=0.1,
    grace_seconds=0.5,
    redial_wait_seconds=0.05,
    vendor_backoff_initial_seconds=0.001,
    vendor_backoff_max_seconds=0.01,
    vendor_max_retries=2,
    vendor_timeout_seconds=2.0,
    dispatch_poll_seconds=0.02,
    dispatch_outcome_poll_seconds=0.05,
    dispatch_deadline_sweep_seconds=0.05,
    dispatch_flush_seconds=0.01,
    dispatch_watch_interval_seconds=0.02,
    dispatch_gauge_seconds=0.1,
    voxology_concurrency=20,
    mailgun_concurrency=4,
)


async def make_harness(
    settings: Settings,
    clock: object = None,
    sim_calls_per_second: float = 1000.0,
    **changes: object,
) -> Harness:
    """A harness over a migrated store with the simulators running; dispatch not started."""
    db = await connect(settings.store_url())
    await migrate(db)
    harness = Harness(settings, clock, db)
    urls = await start_sims(harness, sim_calls_per_second)
    harness.settings = settings.replace(**{**FAST, **urls, **changes})
    return harness


MakeHarness = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def make(settings: Settings) -> AsyncIterator[MakeHarness]:
    """Harnesses with dispatch started and district 1 set up, closed at the end."""
    made: list[Harness] = []

    async def factory(clock: object = None, **changes: object) -> Harness:
        harness = await make_harness(settings, clock, **changes)
        made.append(harness)
        window = {}
        if harness.clock is None:
            harness.clock = SystemClock()
            # On the real clock a test runs at any hour: dial all day. A test on a manual
            # clock gets the district's default window (8:00 to 21:00) to test against.
            window = {"start_minute": 0, "end_minute": 1440}
        await harness.start_dispatch()
        await harness.district(**window)
        return harness

    yield factory
    for harness in made:
        await harness.close()


@pytest.fixture
async def h(make: MakeHarness) -> Harness:
    return await make()
