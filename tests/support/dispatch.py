"""A dispatch service on port 0 with the real simulators, and a stand-in for the status
service that applies vendor callbacks exactly as docs/data-ownership.md says status does."""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from grpc import aio

from smlog.auth import Caller, mint_service_token, mint_token
from smlog.config import Settings
from smlog.runtime import GrpcHost, open_channel
from smlog.services.dispatch.accept import upsert_district
from smlog.services.dispatch.loops import Dispatcher
from smlog.services.dispatch.service import create
from smlog.services.status.applier import apply_events
from smlog.services.status.events import StatusEvent
from smlog.services.status.mapping import map_voxology_call, map_voxology_sms
from smlog.simulators import mailgun as mailgun_sim
from smlog.simulators import voxology as voxology_sim
from smlog.store import Database
from smlog.v1 import common_pb2 as c
from smlog.v1 import dispatch_pb2 as d
from smlog.v1 import dispatch_pb2_grpc
from tests.support.rights import ALL_RIGHTS
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
    """A mapped vendor event applied by the status service's own applier (forward-only
    attempt update, target mirror, the outcome row when the attempt turned final); whether
    the attempt turned final."""
    when = time_us if time_us is not None else time.time_ns() // 1000
    event = StatusEvent(f"harness-{next(_EVENT_KEYS)}", attempt_id, status, when, "", "", "test")
    async with db.transaction() as tx:
        result = await apply_events(tx, [event], when)
    return bool(result.outcomes)


@dataclass
class Harness:
    settings: Settings
    clock: Any
    db: Database
    host: GrpcHost | None = None
    channel: aio.Channel | None = None
    stub: dispatch_pb2_grpc.DispatchServiceStub | None = None
    service_stub: dispatch_pb2_grpc.DispatchServiceStub | None = None
    callbacks: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    apply_callbacks: bool = True
    sims: dict[str, Any] = field(default_factory=dict)
    servers: list[TestServer] = field(default_factory=list)

    # -- processes ---------------------------------------------------------------------

    async def start_dispatch(self) -> None:
        parts = await create(self.settings, clock=self.clock)
        self.host = GrpcHost(parts, self.settings, port=0)
        port = await self.host.start()
        token = mint_token(
            self.settings.jwt_secret, user_id="u1", district_id=1, rights=ALL_RIGHTS, name="Ann"
        )
        self.channel = open_channel(f"127.0.0.1:{port}", token=token)
        self.stub = dispatch_pb2_grpc.DispatchServiceStub(self.channel)
        service = open_channel(
            f"127.0.0.1:{port}",
            token=mint_service_token(self.settings.service_jwt_secret, "status"),
        )
        self.service_stub = dispatch_pb2_grpc.DispatchServiceStub(service)
        self._service_channel = service

    async def stop_dispatch(self) -> None:
        if self.channel is not None:
            await self.channel.close()
            await self._service_channel.close()
        if self.host is not None:
            await self.host.stop(0)
        self.host = None
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
        await self.service_stub.ReportAttemptOutcomes(
            d.ReportAttemptOutcomesRequest(
                outcomes=[d.AttemptOutcome(attempt_id=attempt_id, status=status)]  # type: ignore[arg-type]
            )
        )

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
        server = self.sims[vendor]
        url = server.make_url("/admin/recipient")
        async with _session() as session, session.get(url, params={"to": to}) as r:
            body = await r.json()
        accepted: dict[str, int] = body["accepted"]
        return accepted

    async def sim_stats(self, vendor: str) -> dict[str, Any]:
        server = self.sims[vendor]
        async with _session() as session, session.get(server.make_url("/admin/stats")) as r:
            body: dict[str, Any] = await r.json()
        return body

    # -- callbacks (the status stand-in) -------------------------------------------------

    async def on_callback(self, request: web.Request) -> web.Response:
        body = await request.json()
        attempt_id = int(request.query.get("attempt_id", "0"))
        kind = request.path.rsplit("/", 1)[-1]
        self.callbacks.append((kind, attempt_id, body))
        if self.apply_callbacks and attempt_id:
            status = _map(kind, body)
            if status is not None and await apply_status(self.db, attempt_id, status):
                stub = self.service_stub
                if stub is not None:
                    with contextlib.suppress(Exception):  # dispatch may be down: it polls
                        await stub.ReportAttemptOutcomes(d.ReportAttemptOutcomesRequest())
        return web.json_response({"ok": True})


def _map(kind: str, body: dict[str, Any]) -> int | None:
    """The status service's own mapping of a Voxology callback."""
    code = str(body.get("status", ""))
    if kind == "call":
        return map_voxology_call(code, str(body.get("digits") or "")).status
    if kind == "sms":
        return map_voxology_sms(code).status
    return None


async def _at_least(engine: Any, passes: int) -> bool:
    engine.wake()
    return int(engine.claim_passes) >= passes


def _session() -> Any:
    import aiohttp

    return aiohttp.ClientSession()


async def start_sims(harness: Harness) -> dict[str, str]:
    app = web.Application()
    app.router.add_post("/webhooks/{tail:.*}", harness.on_callback)
    sink = TestServer(app, host="127.0.0.1")
    await sink.start_server()
    harness.servers.append(sink)
    hooks = str(sink.make_url("/webhooks")).rstrip("/")
    vox = TestServer(
        voxology_sim.build_app(
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
            )
        ),
        host="127.0.0.1",
    )
    mail = TestServer(
        mailgun_sim.build_app(
            mailgun_sim.MailgunSettings(
                time_scale=0,
                seed=1,
                profile="perfect",
                port=0,
                webhook_url=f"{hooks}/mailgun",
                retry_after_s=0.01,
            )
        ),
        host="127.0.0.1",
    )
    for server in (vox, mail):
        await server.start_server()
        harness.servers.append(server)
    harness.sims = {"voxology": vox, "mailgun": mail}
    return {
        "status_public_url": str(sink.make_url("")).rstrip("/"),
        "voxology_url": str(vox.make_url("")).rstrip("/"),
        "mailgun_url": str(mail.make_url("")).rstrip("/"),
    }
