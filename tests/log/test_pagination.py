"""AIP-158 pagination: stable keyset order to the end, page sizes, tokens bound to requests."""

from __future__ import annotations

import grpc
import pytest

from smlog.v1.common_pb2 import MessageType
from smlog.v1.log_pb2 import ListMessagesRequest
from smlog.v1.log_pb2_grpc import SentMessageLogServiceStub
from tests.support.builders import (
    EMERGENCY,
    GENERAL,
    MINUTE,
    PRIORITY,
    T0,
    add_district,
    add_message,
)
from tests.support.log import LogEnv, rpc_error

T = MessageType


@pytest.fixture
async def expected(env: LogEnv) -> list[int]:
    """23 messages, several sharing a sent time; returns ids in log order."""
    await add_district(env.db, 1)
    rows = []
    types = [GENERAL, PRIORITY, EMERGENCY]
    for n in range(23):
        sent = T0 - (n // 3) * MINUTE  # three messages per minute: ties broken by id
        mid = await add_message(
            env.db, district_id=1, sent_time=sent, message_type=types[n % 3], subject=f"m{n}"
        )
        rows.append((sent, mid))
    return [mid for _, mid in sorted(rows, reverse=True)]


async def walk(
    stub: SentMessageLogServiceStub, request: ListMessagesRequest, sizes: list[int]
) -> list[int]:
    seen: list[int] = []
    token = ""
    pages = 0
    while True:
        request.page_size = sizes[pages % len(sizes)]
        request.page_token = token
        reply = await stub.ListMessages(request)
        pages += 1
        assert len(reply.messages) <= request.page_size
        seen.extend(m.message_id for m in reply.messages)
        token = reply.next_page_token
        if not token:
            return seen
        assert pages < 100


async def test_pages_to_the_end_in_stable_order(env: LogEnv, expected: list[int]) -> None:
    stub = env.stub()
    assert await walk(stub, ListMessagesRequest(), [5]) == expected
    assert await walk(stub, ListMessagesRequest(), [1]) == expected
    assert await walk(stub, ListMessagesRequest(), [23]) == expected
    # page_size may change between pages.
    assert await walk(stub, ListMessagesRequest(), [2, 7, 3]) == expected
    first = await stub.ListMessages(ListMessagesRequest(page_size=5))
    assert first.total_size == 23
    last = await stub.ListMessages(ListMessagesRequest(page_size=23))
    assert last.next_page_token == ""


async def test_pages_with_several_types(env: LogEnv, expected: list[int]) -> None:
    request = ListMessagesRequest(message_types=[T.MESSAGE_TYPE_GENERAL, T.MESSAGE_TYPE_EMERGENCY])
    everything = await env.stub().ListMessages(request)
    assert everything.total_size == 15  # 8 General + 7 Emergency
    wanted = [m.message_id for m in everything.messages]
    assert wanted == [m for m in expected if m in set(wanted)]
    assert await walk(env.stub(), request, [3]) == wanted


async def test_new_messages_do_not_shift_later_pages(env: LogEnv, expected: list[int]) -> None:
    stub = env.stub()
    first = await stub.ListMessages(ListMessagesRequest(page_size=10))
    await add_message(env.db, district_id=1, sent_time=T0 + MINUTE, subject="newest")
    second = await stub.ListMessages(
        ListMessagesRequest(page_size=10, page_token=first.next_page_token)
    )
    assert [m.message_id for m in second.messages] == expected[10:20]
    assert second.total_size == 24


async def test_default_page_size_is_50(env: LogEnv, expected: list[int]) -> None:
    for n in range(30):
        await add_message(env.db, district_id=1, sent_time=T0 - DAY_US - n, subject=f"x{n}")
    reply = await env.stub().ListMessages(ListMessagesRequest())
    assert len(reply.messages) == 50
    assert reply.total_size == 53
    assert reply.next_page_token


DAY_US = 24 * 60 * MINUTE


async def test_tokens_are_bound_to_their_request(env: LogEnv, expected: list[int]) -> None:
    stub = env.stub()
    page = await stub.ListMessages(ListMessagesRequest(page_size=5, subject="m"))
    token = page.next_page_token
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    for request in (
        ListMessagesRequest(page_token=token),  # filter changed
        ListMessagesRequest(page_token=token, subject="m1"),
        ListMessagesRequest(page_token=token, subject="m", message_types=[T.MESSAGE_TYPE_GENERAL]),
        ListMessagesRequest(page_token=tampered, subject="m"),
        ListMessagesRequest(page_token="not a token!", subject="m"),
        ListMessagesRequest(page_token="AAAA", subject="m"),
        ListMessagesRequest(page_token="x" * 2000, subject="m"),
    ):
        err = await rpc_error(stub.ListMessages(request))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert (err.details() or "").startswith("page_token:")
    # Another user with the same rights cannot replay it either.
    err = await rpc_error(
        env.stub("bob").ListMessages(ListMessagesRequest(page_token=token, subject="m"))
    )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    ok = await stub.ListMessages(ListMessagesRequest(page_token=token, subject="m", page_size=5))
    assert [m.message_id for m in ok.messages] == expected[5:10]
