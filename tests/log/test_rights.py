"""Tool rights: log access, My/All scope, type rights, device details and districts."""

from __future__ import annotations

import grpc
import pytest

from smlog.runtime import open_channel
from smlog.v1 import log_pb2_grpc
from smlog.v1.common_pb2 import MessageType
from smlog.v1.log_pb2 import (
    GetMessageRequest,
    ListDeliveriesRequest,
    ListMessagesRequest,
    MessageScope,
)
from tests.support.log import LogEnv, rpc_error
from tests.support.log_data import LogData, seed_log
from tests.support.rights import ALL, BOTH, MY, TYPES
from tests.support.tokens import service_token

T = MessageType
S = MessageScope
DENIED = grpc.StatusCode.PERMISSION_DENIED
NOT_FOUND = grpc.StatusCode.NOT_FOUND
INVALID = grpc.StatusCode.INVALID_ARGUMENT


@pytest.fixture
async def data(env: LogEnv) -> LogData:
    return await seed_log(env.db)


def listed(reply: object) -> list[int]:
    return [m.message_id for m in reply.messages]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("rights", "missing"),
    [
        ([], "sent_message_log"),
        (["all_messages", "my_messages", *TYPES], "sent_message_log"),
        (["sent_message_log", *TYPES], "all_messages or my_messages"),
    ],
)
async def test_without_log_rights_everything_is_denied(
    env: LogEnv, data: LogData, rights: list[str], missing: str
) -> None:
    stub = env.stub(rights=rights)
    for call in (
        stub.ListMessages(ListMessagesRequest()),
        stub.GetMessage(GetMessageRequest(message_id=data.m1)),
        stub.ListDeliveries(ListDeliveriesRequest(message_id=data.m1)),
    ):
        err = await rpc_error(call)
        assert err.code() == DENIED
        assert f"'{missing}'" in (err.details() or "")


async def test_service_identities_are_refused(env: LogEnv, data: LogData) -> None:
    token = service_token(env.settings, "dispatch")
    channel = open_channel(f"127.0.0.1:{env.port}", token=token)
    env.channels.append(channel)
    stub = log_pb2_grpc.SentMessageLogServiceStub(channel)
    err = await rpc_error(stub.GetMessage(GetMessageRequest(message_id=data.m1)))
    assert err.code() == DENIED


async def test_my_only_user_sees_only_own_messages_whatever_the_filters(
    env: LogEnv, data: LogData
) -> None:
    stub = env.stub("alice", rights=MY)
    reply = await stub.ListMessages(ListMessagesRequest())
    assert reply.scope == S.MESSAGE_SCOPE_MY
    assert listed(reply) == [data.m3, data.m1]
    assert reply.total_size == 2
    # Probing bob's message by filter, by id and through deliveries.
    assert listed(await stub.ListMessages(ListMessagesRequest(message_id=data.m2))) == []
    by_type = await stub.ListMessages(ListMessagesRequest(message_types=[T.MESSAGE_TYPE_PRIORITY]))
    assert listed(by_type) == []
    assert by_type.total_size == 0
    assert listed(await stub.ListMessages(ListMessagesRequest(calendar_id=data.cal_b))) == [data.m3]
    assert listed(await stub.ListMessages(ListMessagesRequest(subject="bus"))) == []
    err = await rpc_error(stub.ListMessages(ListMessagesRequest(scope=S.MESSAGE_SCOPE_ALL)))
    assert err.code() == DENIED
    assert "'all_messages'" in (err.details() or "")
    for call in (
        stub.GetMessage(GetMessageRequest(message_id=data.m2)),
        stub.ListDeliveries(ListDeliveriesRequest(message_id=data.m2)),
    ):
        err = await rpc_error(call)
        assert err.code() == NOT_FOUND
        assert err.details() == f"message {data.m2} not found"
    assert (await stub.GetMessage(GetMessageRequest(message_id=data.m1))).message.message_id


async def test_my_only_user_cannot_reuse_another_users_page_token(
    env: LogEnv, data: LogData
) -> None:
    page = await env.stub("bob", rights=BOTH).ListMessages(
        ListMessagesRequest(scope=S.MESSAGE_SCOPE_MY, page_size=1)
    )
    assert listed(page) == [data.m2]
    all_page = await env.stub("bob", rights=BOTH).ListMessages(
        ListMessagesRequest(scope=S.MESSAGE_SCOPE_ALL, page_size=1)
    )
    assert all_page.next_page_token
    alice = env.stub("alice", rights=MY)
    for scope in (S.MESSAGE_SCOPE_UNSPECIFIED, S.MESSAGE_SCOPE_MY):
        request = ListMessagesRequest(scope=scope, page_size=1, page_token=all_page.next_page_token)
        err = await rpc_error(alice.ListMessages(request))
        assert err.code() == INVALID
        assert (err.details() or "").startswith("page_token:")


async def test_all_only_user_sees_the_district(env: LogEnv, data: LogData) -> None:
    stub = env.stub("alice", rights=ALL)
    reply = await stub.ListMessages(ListMessagesRequest())
    assert reply.scope == S.MESSAGE_SCOPE_ALL
    assert listed(reply) == [data.m4, data.m3, data.m2, data.m1]
    err = await rpc_error(stub.ListMessages(ListMessagesRequest(scope=S.MESSAGE_SCOPE_MY)))
    assert err.code() == DENIED
    assert "'my_messages'" in (err.details() or "")
    assert (await stub.GetMessage(GetMessageRequest(message_id=data.m2))).message.message_id


async def test_both_rights_default_to_my_messages(env: LogEnv, data: LogData) -> None:
    stub = env.stub("alice", rights=BOTH)
    mine = await stub.ListMessages(ListMessagesRequest())
    assert mine.scope == S.MESSAGE_SCOPE_MY
    assert listed(mine) == [data.m3, data.m1]
    everything = await stub.ListMessages(ListMessagesRequest(scope=S.MESSAGE_SCOPE_ALL))
    assert listed(everything) == [data.m4, data.m3, data.m2, data.m1]
    detail = await stub.GetMessage(GetMessageRequest(message_id=data.m2))
    assert detail.message.message_id == data.m2


async def test_type_rights_limit_list_filter_and_detail(env: LogEnv, data: LogData) -> None:
    stub = env.stub("alice", rights=["sent_message_log", "all_messages", "type_general"])
    reply = await stub.ListMessages(ListMessagesRequest())
    assert listed(reply) == [data.m1]
    assert list(reply.filterable_message_types) == [T.MESSAGE_TYPE_GENERAL]
    err = await rpc_error(
        stub.ListMessages(ListMessagesRequest(message_types=[T.MESSAGE_TYPE_PRIORITY]))
    )
    assert err.code() == DENIED
    assert "'type_priority'" in (err.details() or "")
    for call in (
        stub.GetMessage(GetMessageRequest(message_id=data.m2)),
        stub.ListDeliveries(ListDeliveriesRequest(message_id=data.m3)),
    ):
        assert (await rpc_error(call)).code() == NOT_FOUND
    two = env.stub(rights=["sent_message_log", "all_messages", "type_priority", "type_emergency"])
    assert listed(await two.ListMessages(ListMessagesRequest())) == [data.m3, data.m2]


async def test_no_type_rights_shows_nothing(env: LogEnv, data: LogData) -> None:
    stub = env.stub(rights=["sent_message_log", "all_messages"])
    reply = await stub.ListMessages(ListMessagesRequest())
    assert listed(reply) == []
    assert reply.total_size == 0
    assert list(reply.filterable_message_types) == []
    err = await rpc_error(stub.GetMessage(GetMessageRequest(message_id=data.m1)))
    assert err.code() == NOT_FOUND


async def test_full_devices_need_the_right(env: LogEnv, data: LogData) -> None:
    err = await rpc_error(
        env.stub(rights=ALL).ListDeliveries(
            ListDeliveriesRequest(message_id=data.m1, show_full_devices=True)
        )
    )
    assert err.code() == DENIED
    assert "'view_device_details'" in (err.details() or "")
    reply = await env.stub(rights=[*ALL, "view_device_details"]).ListDeliveries(
        ListDeliveriesRequest(message_id=data.m1, show_full_devices=True)
    )
    assert reply.total_size == 0


async def test_district_a_user_never_sees_district_b(env: LogEnv, data: LogData) -> None:
    # Same user id, other district, every right.
    b_user = env.stub("alice", district=2, rights=[*BOTH, "view_device_details"])
    reply = await b_user.ListMessages(ListMessagesRequest(scope=S.MESSAGE_SCOPE_ALL))
    assert listed(reply) == [data.other]
    for request in (
        ListMessagesRequest(scope=S.MESSAGE_SCOPE_ALL, message_id=data.m1),
        ListMessagesRequest(scope=S.MESSAGE_SCOPE_ALL, calendar_id=data.cal_a),
        ListMessagesRequest(scope=S.MESSAGE_SCOPE_ALL, subject="bus"),
    ):
        found = await b_user.ListMessages(request)
        assert listed(found) == []
        assert found.total_size == 0
    for call in (
        b_user.GetMessage(GetMessageRequest(message_id=data.m1)),
        b_user.ListDeliveries(ListDeliveriesRequest(message_id=data.m1)),
    ):
        assert (await rpc_error(call)).code() == NOT_FOUND
    # A district A page token replayed in district B.
    a_page = await env.stub("alice", district=1, rights=BOTH).ListMessages(
        ListMessagesRequest(scope=S.MESSAGE_SCOPE_ALL, page_size=1)
    )
    err = await rpc_error(
        b_user.ListMessages(
            ListMessagesRequest(
                scope=S.MESSAGE_SCOPE_ALL, page_size=1, page_token=a_page.next_page_token
            )
        )
    )
    assert err.code() == INVALID
    assert (err.details() or "").startswith("page_token:")
