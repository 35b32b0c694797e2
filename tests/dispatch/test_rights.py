"""WatchMessage, AddRecipients, StartDispatch and CancelMessage over real gRPC, for each kind
of caller: they follow the log's visibility rules, and a draft belongs to its creator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import grpc
import pytest

from smlog.runtime import open_channel
from smlog.runtime.tasks import free_port
from smlog.services.status.service import create_parts
from smlog.v1 import common_pb2 as c
from smlog.v1 import dispatch_pb2 as d
from smlog.v1 import (
    dispatch_pb2_grpc,
    log_pb2,
    log_pb2_grpc,
    reports_pb2,
    reports_pb2_grpc,
    status_pb2,
    status_pb2_grpc,
)
from tests.dispatch.people import VOICE_SILENT, M, person, phone
from tests.support.dispatch import Harness
from tests.support.reports import running
from tests.support.services import grpc_service
from tests.support.tokens import service_token, user_token
from tests.support.waiting import wait_for

OK = grpc.StatusCode.OK
NOT_FOUND = grpc.StatusCode.NOT_FOUND
DENIED = grpc.StatusCode.PERMISSION_DENIED
SENDER = ["send_messages", "cancel_messages", "sent_message_log"]


@dataclass(frozen=True)
class Kind:
    name: str
    user: str
    district: int
    rights: tuple[str, ...]
    service: bool = False


CREATOR = Kind("creator", "u1", 1, (*SENDER, "all_messages", "type_general"))
MY_ONLY = Kind("my-only colleague", "u2", 1, (*SENDER, "my_messages", "type_general"))
NO_TYPE = Kind("all colleague without the type", "u3", 1, (*SENDER, "all_messages"))
ALL = Kind("all colleague with the type", "u4", 1, (*SENDER, "all_messages", "type_general"))
OTHER = Kind("other district", "u1", 2, (*SENDER, "all_messages", "type_general"))
SERVICE = Kind("service identity", "", 0, (), service=True)

# (kind, watch the sent message, add recipients to the draft, start the draft, cancel the
# sent message). A draft belongs to its creator; the rest follows the log's rules.
CASES = [
    (CREATOR, OK, OK, OK, OK),
    (MY_ONLY, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    (NO_TYPE, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    (ALL, OK, NOT_FOUND, NOT_FOUND, OK),
    (OTHER, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    (SERVICE, DENIED, DENIED, DENIED, DENIED),
]


def _token(h: Harness, kind: Kind) -> str:
    if kind.service:
        return service_token(h.settings, "status")
    return user_token(h.settings, kind.user, kind.district, kind.rights)


async def _code(call: Callable[[], Awaitable[object]]) -> grpc.StatusCode:
    try:
        await call()
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return OK


async def _watch_to_first(stub: dispatch_pb2_grpc.DispatchServiceStub, message_id: int) -> None:
    watch = stub.WatchMessage(d.WatchMessageRequest(message_id=message_id), timeout=5)
    async for response in watch:
        assert response.progress.message_id == message_id
        watch.cancel()
        return


def _one_more(message_id: int) -> Callable[[], AsyncIterator[d.AddRecipientsRequest]]:
    async def stream() -> AsyncIterator[d.AddRecipientsRequest]:
        yield d.AddRecipientsRequest(
            message_id=message_id, recipients=[person("late", phone(VOICE_SILENT))]
        )

    return stream


@pytest.mark.parametrize(("kind", "watch", "add", "start", "cancel"), CASES, ids=lambda v: "")
async def test_each_dispatch_call_for_each_caller(
    h: Harness,
    kind: Kind,
    watch: grpc.StatusCode,
    add: grpc.StatusCode,
    start: grpc.StatusCode,
    cancel: grpc.StatusCode,
) -> None:
    voice = [M.DELIVERY_MODE_VOICE]
    # A call that never answers keeps the sent message in progress (cancelable).
    sent = await h.send([person("p1", phone(VOICE_SILENT))], voice)
    draft = await h.send([person("p2", phone(VOICE_SILENT))], voice, start=False)
    assert h.host is not None
    async with open_channel(f"127.0.0.1:{h.host.port}", token=_token(h, kind)) as channel:
        stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
        got_watch = await _code(lambda: _watch_to_first(stub, sent))
        got_add = await _code(lambda: stub.AddRecipients(_one_more(draft)()))
        got_start = await _code(
            lambda: stub.StartDispatch(d.StartDispatchRequest(message_id=draft))
        )
        got_cancel = await _code(
            lambda: stub.CancelMessage(d.CancelMessageRequest(message_id=sent))
        )
    assert (got_watch, got_add, got_start, got_cancel) == (watch, add, start, cancel), kind.name
    recipients = await h.db.fetch_one(
        "SELECT total_recipients, status FROM messages WHERE id = ?", (draft,)
    )
    assert recipients is not None
    started = int(recipients[1]) != c.MessageStatus.MESSAGE_STATUS_DRAFT
    assert (int(recipients[0]) == 2, started) == (add == OK, start == OK)
    row = await h.db.fetch_one("SELECT cancel_time FROM messages WHERE id = ?", (sent,))
    assert row is not None
    assert (row[0] is not None) == (cancel == OK)


async def test_the_creator_cannot_watch_its_draft_but_may_cancel_it(h: Harness) -> None:
    """Drafts are not in the log (NOT_FOUND to watch), and belong to their creator alone."""
    assert h.stub is not None
    draft = await h.send([person("p1", phone(VOICE_SILENT))], [M.DELIVERY_MODE_VOICE], start=False)
    assert await _code(lambda: _watch_to_first(h.stub, draft)) == NOT_FOUND  # type: ignore[arg-type]
    assert h.host is not None
    async with open_channel(f"127.0.0.1:{h.host.port}", token=_token(h, ALL)) as channel:
        colleague = dispatch_pb2_grpc.DispatchServiceStub(channel)
        refused = await _code(
            lambda: colleague.CancelMessage(d.CancelMessageRequest(message_id=draft))
        )
    assert refused == NOT_FOUND
    reply = await h.stub.CancelMessage(d.CancelMessageRequest(message_id=draft))
    assert reply.progress.status == c.MessageStatus.MESSAGE_STATUS_CANCELED


async def test_cancel_without_the_right_names_it(h: Harness) -> None:
    sent = await h.send([person("p1", phone(VOICE_SILENT))], [M.DELIVERY_MODE_VOICE])
    kind = Kind("no cancel right", "u1", 1, ("sent_message_log", "all_messages", "type_general"))
    assert h.host is not None
    async with open_channel(f"127.0.0.1:{h.host.port}", token=_token(h, kind)) as channel:
        stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.CancelMessage(d.CancelMessageRequest(message_id=sent))
    assert info.value.code() == DENIED
    assert "cancel_messages" in (info.value.details() or "")


@pytest.mark.parametrize(("kind", "expected"), [(c[0], c[1]) for c in CASES], ids=lambda v: "")
async def test_every_service_answers_each_caller_as_watch_does(
    h: Harness, kind: Kind, expected: grpc.StatusCode
) -> None:
    """One rule set: GetMessage, ListDeliveries, BuildReport and ListAttemptEvents answer a
    message sent through dispatch exactly as WatchMessage does (a service identity may read
    attempt history, never the log)."""
    sent = await h.send([person("p1", phone(VOICE_SILENT))], [M.DELIVERY_MODE_VOICE])

    async def placed() -> bool:
        return bool(await h.attempts(sent))

    await wait_for(placed)
    attempt = (await h.attempts(sent))[0][0]
    settings = h.settings.replace(dispatch_port=free_port())
    status_parts = await create_parts(settings, http_port=0)
    token = _token(h, kind)
    async with (
        grpc_service(status_parts.parts, settings) as status_host,
        running(h.settings) as env,
        open_channel(f"127.0.0.1:{env.log_port}", token=token) as log_channel,
        open_channel(f"127.0.0.1:{env.reports_port}", token=token) as reports_channel,
        open_channel(f"127.0.0.1:{status_host.port}", token=token) as status_channel,
    ):
        log = log_pb2_grpc.SentMessageLogServiceStub(log_channel)
        reports = reports_pb2_grpc.ReportServiceStub(reports_channel)
        status = status_pb2_grpc.StatusServiceStub(status_channel)
        report = reports_pb2.BuildReportRequest(
            message_id=sent, format=reports_pb2.ReportFormat.REPORT_FORMAT_CSV
        )
        got = [
            await _code(lambda: log.GetMessage(log_pb2.GetMessageRequest(message_id=sent))),
            await _code(lambda: log.ListDeliveries(log_pb2.ListDeliveriesRequest(message_id=sent))),
            await _code(lambda: _drain(reports.BuildReport(report))),
            await _code(
                lambda: status.ListAttemptEvents(
                    status_pb2.ListAttemptEventsRequest(attempt_id=attempt)
                )
            ),
        ]
    history = OK if kind.service else expected
    assert got == [expected, expected, expected, history], kind.name


async def _drain(stream: AsyncIterator[object]) -> None:
    async for _ in stream:
        pass
