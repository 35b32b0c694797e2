"""StatusService over a real in-process gRPC server: batch ingestion through the state
machine, the event history, rights, and dispatch being told about final outcomes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from smlog.config import Settings
from smlog.runtime import ServiceParts, Servicer, open_channel
from smlog.services.status.service import StatusParts, create_parts
from smlog.store import Database
from smlog.v1 import dispatch_pb2, dispatch_pb2_grpc, status_pb2, status_pb2_grpc
from smlog.v1.common_pb2 import DeviceStatus as S
from tests.status.helpers import VOICE, add_attempts, attempt_row, count
from tests.support import tokens
from tests.support.builders import add_district
from tests.support.services import grpc_service
from tests.support.tokens import user_token
from tests.support.waiting import wait_for


class FakeDispatch(dispatch_pb2_grpc.DispatchServiceServicer):
    def __init__(self) -> None:
        self.nudges = 0
        self.outcomes: list[dispatch_pb2.AttemptOutcome] = []  # sent along (none expected)

    async def ReportAttemptOutcomes(
        self, request: dispatch_pb2.ReportAttemptOutcomesRequest, context: Any
    ) -> dispatch_pb2.ReportAttemptOutcomesResponse:
        self.nudges += 1
        self.outcomes.extend(request.outcomes)
        return dispatch_pb2.ReportAttemptOutcomesResponse()


@pytest.fixture
async def dispatch(status_settings: Settings) -> AsyncIterator[FakeDispatch]:
    fake = FakeDispatch()
    parts = ServiceParts(
        "dispatch",
        [
            Servicer(
                dispatch_pb2_grpc.add_DispatchServiceServicer_to_server,
                fake,
                "smlog.v1.DispatchService",
            )
        ],
    )
    async with grpc_service(parts, status_settings) as host:
        fake.port = host.port  # type: ignore[attr-defined]
        yield fake


@pytest.fixture
async def target(
    status_settings: Settings, db: Database, dispatch: FakeDispatch
) -> AsyncIterator[str]:
    built: StatusParts = await create_parts(
        status_settings,
        http_port=0,
        dispatch_target=f"127.0.0.1:{dispatch.port}",  # type: ignore[attr-defined]
    )
    async with grpc_service(built.parts, status_settings) as host:
        yield f"127.0.0.1:{host.port}"


def service_token(settings: Settings) -> str:
    return tokens.service_token(settings, "loadtest")


def event(event_id: str, attempt_id: int, status: int, seconds: int = 1_780_000_000) -> Any:
    return status_pb2.StatusEvent(
        event_id=event_id,
        attempt_id=attempt_id,
        status=status,  # type: ignore[arg-type]
        event_time=Timestamp(seconds=seconds),
        vendor_code="code",
        vendor_detail="detail",
        source="loadtest",
    )


async def test_ingest_applies_ignores_parks_and_rejects(
    status_settings: Settings, db: Database, target: str, dispatch: FakeDispatch
) -> None:
    await add_district(db)
    a, b = await add_attempts(db, VOICE, 2)
    events = [
        event("1", a, S.DEVICE_STATUS_IN_PROGRESS),
        event("2", a, S.DEVICE_STATUS_BUSY),
        event("2", a, S.DEVICE_STATUS_BUSY),  # duplicate
        event("3", a, S.DEVICE_STATUS_IN_PROGRESS),  # late
        event("4", b, S.DEVICE_STATUS_COMPLETED),
        event("5", 555_555, S.DEVICE_STATUS_FAILED),  # attempt not stored yet
        event("", a, S.DEVICE_STATUS_FAILED),
        event("6", 0, S.DEVICE_STATUS_FAILED),
        event("7", a, S.DEVICE_STATUS_UNSPECIFIED),
        event("8", a, 99),
    ]
    async with open_channel(target, token=service_token(status_settings)) as channel:
        stub = status_pb2_grpc.StatusServiceStub(channel)
        reply = await stub.IngestEvents(status_pb2.IngestEventsRequest(events=events))
    assert (reply.applied_count, reply.ignored_count, reply.parked_count) == (3, 2, 1)
    assert [r.index for r in reply.rejected] == [6, 7, 8, 9]
    assert reply.rejected[0].reason.startswith("event_id")
    assert (await attempt_row(db, a))["status"] == S.DEVICE_STATUS_BUSY
    assert (await attempt_row(db, b))["status"] == S.DEVICE_STATUS_COMPLETED

    async def told() -> bool:
        return dispatch.nudges >= 1

    # Dispatch is nudged, with nothing in the call: it reads the outbox in the store.
    await wait_for(told)
    assert dispatch.outcomes == []
    outbox = await db.fetch_all(
        "SELECT attempt_id, status FROM attempt_outcomes WHERE consumed = 0 ORDER BY attempt_id"
    )
    assert {(int(r["attempt_id"]), int(r["status"])) for r in outbox} == {
        (a, S.DEVICE_STATUS_BUSY),
        (b, S.DEVICE_STATUS_COMPLETED),
    }


async def test_ingest_refuses_oversized_batches_and_users(
    status_settings: Settings, target: str
) -> None:
    too_many = [event(str(i), 1, S.DEVICE_STATUS_BUSY) for i in range(10_001)]
    async with open_channel(target, token=service_token(status_settings)) as channel:
        stub = status_pb2_grpc.StatusServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await stub.IngestEvents(status_pb2.IngestEventsRequest(events=too_many))
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "10,000" in (error.value.details() or "")
    user = user_token(status_settings, "u1", 1, ["sent_message_log"])
    async with open_channel(target, token=user) as channel:
        stub = status_pb2_grpc.StatusServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await stub.IngestEvents(status_pb2.IngestEventsRequest(events=[]))
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_list_attempt_events_by_service_and_by_district_user(
    status_settings: Settings, db: Database, target: str
) -> None:
    await add_district(db)
    await add_district(db, 2, short_code="66666")
    [a] = await add_attempts(db, VOICE)
    events = [
        event("x1", a, S.DEVICE_STATUS_IN_PROGRESS, 10),
        event("x2", a, S.DEVICE_STATUS_NO_ANSWER, 20),
    ]
    async with open_channel(target, token=service_token(status_settings)) as channel:
        stub = status_pb2_grpc.StatusServiceStub(channel)
        await stub.IngestEvents(status_pb2.IngestEventsRequest(events=list(reversed(events))))
        reply = await stub.ListAttemptEvents(status_pb2.ListAttemptEventsRequest(attempt_id=a))
    assert reply.status == S.DEVICE_STATUS_NO_ANSWER
    assert [(e.event_id, e.changed_status) for e in reply.events] == [("x2", True), ("x1", False)]
    assert reply.events[0].source == "loadtest"

    def user(district: int, rights: list[str]) -> str:
        return user_token(status_settings, "u", district, rights)

    everything = ["sent_message_log", "all_messages", "type_general"]
    async with open_channel(target, token=user(1, everything)) as channel:
        stub = status_pb2_grpc.StatusServiceStub(channel)
        reply = await stub.ListAttemptEvents(status_pb2.ListAttemptEventsRequest(attempt_id=a))
        assert len(reply.events) == 2
    # The log's rules: another district, My Messages of another sender (the attempt's message
    # was created by u1, the caller is u), a type without its right; no log right at all.
    for token, code in [
        (user(2, everything), grpc.StatusCode.NOT_FOUND),
        (user(1, ["sent_message_log", "my_messages", "type_general"]), grpc.StatusCode.NOT_FOUND),
        (user(1, ["sent_message_log", "all_messages"]), grpc.StatusCode.NOT_FOUND),
        (user(1, ["my_messages"]), grpc.StatusCode.PERMISSION_DENIED),
    ]:
        async with open_channel(target, token=token) as channel:
            stub = status_pb2_grpc.StatusServiceStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as error:
                await stub.ListAttemptEvents(status_pb2.ListAttemptEventsRequest(attempt_id=a))
            assert error.value.code() == code


async def test_outcomes_survive_dispatch_being_down(
    status_settings: Settings, db: Database
) -> None:
    built = await create_parts(status_settings, http_port=0)  # dispatch port: nobody listens
    async with grpc_service(built.parts, status_settings) as host:
        await add_district(db)
        [a] = await add_attempts(db, VOICE)
        async with open_channel(
            f"127.0.0.1:{host.port}", token=service_token(status_settings)
        ) as ch:
            stub = status_pb2_grpc.StatusServiceStub(ch)
            reply = await stub.IngestEvents(
                status_pb2.IngestEventsRequest(events=[event("d1", a, S.DEVICE_STATUS_FAILED)])
            )
        assert reply.applied_count == 1
        assert await count(db, "SELECT count(*) FROM attempt_outcomes WHERE consumed = 0") == 1
