"""ResendMessage: a finished message sent again to the devices it did not reach, through the
ordinary send paths, idempotent by request id, linked both ways."""

from __future__ import annotations

import grpc
import pytest

from smlog.auth import Right
from smlog.auth.tokens import Caller
from smlog.readmodel import message_detail, viewer_of
from smlog.runtime import open_channel
from smlog.v1 import dispatch_pb2 as d
from smlog.v1 import dispatch_pb2_grpc
from smlog.v1.common_pb2 import DeviceStatus
from tests.dispatch.people import (
    TEXT_UNDELIVERED,
    VOICE_FAILED,
    VOICE_NO_ANSWER,
    VOICE_OK,
    M,
    person,
    phone,
)
from tests.support.dispatch import ALL_RIGHTS, Harness
from tests.support.tokens import user_token

S = DeviceStatus


def stub_for(h: Harness, user: str, rights: list[str]) -> dispatch_pb2_grpc.DispatchServiceStub:
    assert h.host is not None
    token = user_token(h.settings, user, 1, rights)
    return dispatch_pb2_grpc.DispatchServiceStub(
        open_channel(f"127.0.0.1:{h.host.port}", token=token)
    )


async def _original(h: Harness) -> int:
    people = [
        person("p1", phone(VOICE_OK, modes=(M.DELIVERY_MODE_VOICE,))),
        person("p2", phone(VOICE_FAILED, modes=(M.DELIVERY_MODE_VOICE,))),
        person("p3", phone(TEXT_UNDELIVERED, modes=(M.DELIVERY_MODE_TEXT,))),
        person("p4", phone(VOICE_NO_ANSWER, modes=(M.DELIVERY_MODE_VOICE,))),
    ]
    message_id = await h.send(people, [M.DELIVERY_MODE_VOICE, M.DELIVERY_MODE_TEXT])
    await h.finished(message_id, timeout=30)
    return message_id


async def test_resend_reaches_only_those_not_reached_and_links_both_ways(h: Harness) -> None:
    assert h.stub is not None
    original = await _original(h)
    before = {(r[0], r[1]): r[2] for r in await h.targets(original)}
    assert before[(M.DELIVERY_MODE_VOICE, VOICE_FAILED)] == S.DEVICE_STATUS_FAILED
    assert before[(M.DELIVERY_MODE_TEXT, TEXT_UNDELIVERED)] == S.DEVICE_STATUS_UNDELIVERED
    assert before[(M.DELIVERY_MODE_VOICE, VOICE_NO_ANSWER)] == S.DEVICE_STATUS_NO_ANSWER
    # Since: p4's number was replaced in a later message, and p3's texts were opted out.
    await h.send(
        [person("p4", phone(VOICE_OK, modes=(M.DELIVERY_MODE_VOICE,)))], [M.DELIVERY_MODE_VOICE]
    )
    await h.db_exec(
        "INSERT INTO sms_opt_outs (phone, short_code, opted_out, update_time) VALUES (?, '', 1, 0)",
        (TEXT_UNDELIVERED,),
    )
    request = d.ResendMessageRequest(request_id="again-1", message_id=original)
    reply = await h.stub.ResendMessage(request)
    assert reply.created
    assert reply.message_id != original
    assert (reply.recipient_count, reply.target_count) == (2, 2)
    await h.finished(reply.message_id, timeout=30)
    # A person without a device to resend in one of the modes has that mode's No Device row,
    # as on any message; the rows with a device are the resent ones.
    after = sorted((r[0], r[1], r[2]) for r in await h.targets(reply.message_id) if r[1])
    assert after == [
        (M.DELIVERY_MODE_VOICE, VOICE_FAILED, S.DEVICE_STATUS_FAILED),  # tried again
        (M.DELIVERY_MODE_TEXT, TEXT_UNDELIVERED, S.DEVICE_STATUS_OPT_OUT),  # not contacted
    ]
    tried = await h.attempts(reply.message_id)
    assert {a[5] for a in tried} == {VOICE_FAILED}  # redialed as any failed call

    again = await h.stub.ResendMessage(request)
    assert (again.message_id, again.created) == (reply.message_id, False)

    viewer = viewer_of(
        Caller(user_id="u1", district_id=1, rights=frozenset(Right(r) for r in ALL_RIGHTS))
    )
    resent = await message_detail(h.db, viewer, reply.message_id)
    assert (resent.resend_of, list(resent.resent_as)) == (original, [])
    first = await message_detail(h.db, viewer, original)
    assert (first.resend_of, list(first.resent_as)) == (0, [reply.message_id])


async def test_chosen_statuses_and_modes(h: Harness) -> None:
    assert h.stub is not None
    original = await _original(h)
    reply = await h.stub.ResendMessage(
        d.ResendMessageRequest(
            request_id="again-2",
            message_id=original,
            statuses=[S.DEVICE_STATUS_COMPLETED, S.DEVICE_STATUS_UNDELIVERED],
            delivery_modes=[M.DELIVERY_MODE_VOICE],
        )
    )
    await h.finished(reply.message_id, timeout=30)
    targets = [(r[0], r[1]) for r in await h.targets(reply.message_id) if r[1]]
    assert targets == [(M.DELIVERY_MODE_VOICE, VOICE_OK)]


async def test_rights_and_preconditions(h: Harness) -> None:
    assert h.stub is not None
    original = await _original(h)
    request = d.ResendMessageRequest(request_id="r", message_id=original)
    no_send = [r for r in ALL_RIGHTS if r != "send_messages"]
    no_type = [r for r in ALL_RIGHTS if r != "type_general"]
    my_only = [r for r in ALL_RIGHTS if r != "all_messages"] + ["my_messages"]
    cases = [
        (stub_for(h, "u1", no_send), grpc.StatusCode.PERMISSION_DENIED),
        (stub_for(h, "u1", no_type), grpc.StatusCode.NOT_FOUND),  # not visible without it
        (stub_for(h, "u2", my_only), grpc.StatusCode.NOT_FOUND),  # someone else's message
    ]
    for stub, code in cases:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.ResendMessage(request)
        assert info.value.code() == code
    unstarted = await h.send([person("p9", phone(VOICE_OK))], [M.DELIVERY_MODE_VOICE], start=False)
    for bad, code in [
        (
            d.ResendMessageRequest(request_id="", message_id=original),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (d.ResendMessageRequest(request_id="x", message_id=unstarted), grpc.StatusCode.NOT_FOUND),
        (
            d.ResendMessageRequest(
                request_id="y", message_id=original, delivery_modes=[M.DELIVERY_MODE_EMAIL]
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
    ]:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await h.stub.ResendMessage(bad)
        assert info.value.code() == code
    # A message still sending is not resent (made to look in progress again).
    await h.db_exec("UPDATE messages SET status = 1 WHERE id = ?", (original,))
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await h.stub.ResendMessage(request)
    assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    await h.db_exec("UPDATE messages SET status = 2 WHERE id = ?", (original,))
    row = await h.db.fetch_one("SELECT count(*) FROM messages WHERE resend_of IS NOT NULL")
    assert row is not None
    assert int(row[0]) == 0
