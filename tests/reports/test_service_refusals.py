"""BuildReport refusals: bad selections and formats, and the log's rights, all answered
before any response is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest

from smlog.config import Settings
from smlog.runtime import open_channel
from smlog.v1 import log_pb2, reports_pb2, reports_pb2_grpc
from tests.support.builders import EMAIL, GENERAL, Device, Person, add_campaign
from tests.support.campaign import seed_campaign
from tests.support.reports import ReportEnv, download, refusal, running
from tests.support.rights import ALL, MY, TYPES
from tests.support.tokens import service_token

INVALID = grpc.StatusCode.INVALID_ARGUMENT
DENIED = grpc.StatusCode.PERMISSION_DENIED
NOT_FOUND = grpc.StatusCode.NOT_FOUND
Req = reports_pb2.BuildReportRequest


@pytest.fixture
async def env(settings: Settings) -> AsyncIterator[ReportEnv]:
    async with running(settings) as report_env:
        yield report_env


@pytest.fixture
async def mid(env: ReportEnv) -> int:
    """alice's Emergency message in district 1."""
    return await seed_campaign(env.db)


@pytest.fixture
async def bobs(env: ReportEnv, mid: int) -> int:
    """bob's General message in the same district."""
    people = [Person("Hal Ng", devices=[Device(EMAIL, "hal@example.org", ["sent"])])]
    return await add_campaign(
        env.db, district_id=1, recipients=people, created_by="bob", message_type=GENERAL
    )


def with_modes(mid: int, *modes: int) -> Req:
    req = Req(message_id=mid)
    req.delivery_modes.SetInParent()
    req.delivery_modes.delivery_modes.extend(modes)  # type: ignore[arg-type]
    return req


def with_statuses(mid: int, *statuses: int) -> Req:
    req = Req(message_id=mid)
    req.statuses.SetInParent()
    req.statuses.statuses.extend(statuses)  # type: ignore[arg-type]
    return req


@pytest.mark.parametrize(
    ("make", "details"),
    [
        (lambda m: with_modes(m), "delivery_modes: select at least one delivery mode"),
        (lambda m: with_statuses(m), "statuses: select at least one status"),
        (lambda m: with_modes(m, 3, 99), "delivery_modes: unknown DeliveryMode value 99"),
        (lambda m: with_modes(m, 0), "delivery_modes: unknown DeliveryMode value 0"),
        (lambda m: with_statuses(m, 5, 999), "statuses: unknown DeviceStatus value 999"),
        (lambda m: Req(message_id=m, format=7), "format: unknown ReportFormat value 7"),  # type: ignore[arg-type]
        (lambda m: Req(message_id=0), "message_id: must be a positive message id"),
        (lambda m: Req(message_id=-m), "message_id: must be a positive message id"),
    ],
)
async def test_bad_requests_are_invalid_before_any_byte(
    env: ReportEnv, mid: int, make: object, details: str
) -> None:
    err, received = await refusal(env.reports(), make(mid))  # type: ignore[operator]
    assert err.code() == INVALID
    assert err.details() == details
    assert received == 0


@pytest.mark.parametrize(
    ("rights", "missing"),
    [
        ([], "sent_message_log"),
        (["all_messages", "my_messages", *TYPES], "sent_message_log"),
        (["sent_message_log", *TYPES], "all_messages or my_messages"),
    ],
)
async def test_without_the_log_right_it_is_denied(
    env: ReportEnv, mid: int, rights: list[str], missing: str
) -> None:
    err, received = await refusal(env.reports(rights=rights), Req(message_id=mid))
    assert err.code() == DENIED
    assert f"missing tool right '{missing}'" in (err.details() or "")
    assert received == 0


async def test_service_identities_are_refused(env: ReportEnv, mid: int) -> None:
    token = service_token(env.settings, "dispatch")
    channel = open_channel(f"127.0.0.1:{env.reports_port}", token=token)
    env.channels.append(channel)
    err, _ = await refusal(reports_pb2_grpc.ReportServiceStub(channel), Req(message_id=mid))
    assert err.code() == DENIED


async def test_my_only_user_gets_not_found_for_another_users_message_as_the_log_does(
    env: ReportEnv, mid: int, bobs: int
) -> None:
    log_err = None
    try:
        await env.log("alice", rights=MY).GetMessage(log_pb2.GetMessageRequest(message_id=bobs))
    except grpc.aio.AioRpcError as exc:
        log_err = exc
    assert log_err is not None
    err, received = await refusal(env.reports("alice", rights=MY), Req(message_id=bobs))
    assert (err.code(), err.details()) == (log_err.code(), log_err.details())
    assert err.code() == NOT_FOUND
    assert err.details() == f"message {bobs} not found"
    assert received == 0
    # Her own message, and bob's with All Messages.
    assert (await download(env.reports("alice", rights=MY), Req(message_id=mid))).data
    assert (await download(env.reports("alice", rights=ALL), Req(message_id=bobs))).data


@pytest.mark.parametrize(
    ("user", "district", "rights"),
    [
        ("alice", 2, ALL),  # the same user id in another district
        ("alice", 1, [r for r in ALL if r != "type_emergency"]),  # no right to the type
    ],
)
async def test_hidden_messages_are_not_found(
    env: ReportEnv, mid: int, user: str, district: int, rights: list[str]
) -> None:
    err, received = await refusal(env.reports(user, district, rights), Req(message_id=mid))
    assert err.code() == NOT_FOUND
    assert err.details() == f"message {mid} not found"
    assert received == 0


async def test_unknown_message_is_not_found(env: ReportEnv, mid: int) -> None:
    err, _ = await refusal(env.reports(), Req(message_id=mid + 1000))
    assert err.code() == NOT_FOUND
    assert err.details() == f"message {mid + 1000} not found"
