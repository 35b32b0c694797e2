"""CreateMessage / AddRecipients / StartDispatch: validation, rights, idempotency."""

from __future__ import annotations

import grpc
import pytest

from smlog.runtime import open_channel
from smlog.v1 import common_pb2 as c
from smlog.v1 import dispatch_pb2 as d
from smlog.v1 import dispatch_pb2_grpc
from tests.dispatch.people import VOICE_OK, M, email, person, phone
from tests.support.dispatch import Harness
from tests.support.tokens import user_token

MS = c.MessageStatus


def _draft(**changes: object) -> d.MessageDraft:
    draft = d.MessageDraft(
        message_type=c.MessageType.MESSAGE_TYPE_GENERAL,
        subject="Snow day",
        delivery_modes=[M.DELIVERY_MODE_EMAIL],
        content=c.MessageContent(email_body="No school"),
    )
    for name, value in changes.items():
        if name == "delivery_modes":
            del draft.delivery_modes[:]
            draft.delivery_modes.extend(value)  # type: ignore[arg-type]
        else:
            setattr(draft, name, value)
    return draft


async def _count(h: Harness, table: str) -> int:
    row = await h.db.fetch_one(f"SELECT COUNT(*) FROM {table}")
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": "  "}, "message.subject"),
        ({"delivery_modes": [9]}, "message.delivery_modes[0]"),
        ({"delivery_modes": [M.DELIVERY_MODE_VOICE]}, "message.content.voice_script"),
        ({"message_type": 0}, "message.message_type"),
        ({"delivery_modes": []}, "message.delivery_modes"),
    ],
)
async def test_invalid_drafts_store_nothing(
    h: Harness, changes: dict[str, object], field: str
) -> None:
    assert h.stub is not None
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await h.stub.CreateMessage(
            d.CreateMessageRequest(request_id="x", message=_draft(**changes))
        )
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in (info.value.details() or "")
    assert await _count(h, "messages") == 0


async def test_type_right_is_required(h: Harness) -> None:
    token = user_token(h.settings, "u2", 1, ["send_messages", "type_general"])
    assert h.host is not None
    async with open_channel(f"127.0.0.1:{h.host.port}", token=token) as channel:
        stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
        draft = _draft(message_type=c.MessageType.MESSAGE_TYPE_EMERGENCY)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.CreateMessage(d.CreateMessageRequest(request_id="x", message=draft))
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "type_emergency" in (info.value.details() or "")
    assert await _count(h, "messages") == 0


async def test_same_request_id_is_one_message(h: Harness) -> None:
    assert h.stub is not None
    first = await h.stub.CreateMessage(d.CreateMessageRequest(request_id="same", message=_draft()))
    again = await h.stub.CreateMessage(d.CreateMessageRequest(request_id="same", message=_draft()))
    assert first.created
    assert not again.created
    assert first.message_id == again.message_id
    assert await _count(h, "messages") == 1


async def test_bad_device_in_a_later_batch_stores_no_recipient(h: Harness) -> None:
    assert h.stub is not None
    created = await h.stub.CreateMessage(d.CreateMessageRequest(request_id="r", message=_draft()))

    async def stream():  # type: ignore[no-untyped-def]
        yield d.AddRecipientsRequest(
            message_id=created.message_id, recipients=[person("p1", email("a@example.org"))]
        )
        yield d.AddRecipientsRequest(
            message_id=created.message_id,
            recipients=[person("p2", email("ok@example.org")), person("p3", phone("555-0100"))],
        )

    with pytest.raises(grpc.aio.AioRpcError) as info:
        await h.stub.AddRecipients(stream())
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "recipients[1].devices[0].address" in (info.value.details() or "")
    assert await _count(h, "recipients") == 0
    row = await h.db.fetch_one("SELECT total_recipients FROM messages")
    assert row is not None
    assert row[0] == 0


async def test_recipients_retried_are_added_once(h: Harness) -> None:
    assert h.stub is not None
    created = await h.stub.CreateMessage(d.CreateMessageRequest(request_id="r", message=_draft()))
    people = [person("p1", email("a@example.org")), person("p2", email("b@example.org"))]

    async def stream():  # type: ignore[no-untyped-def]
        yield d.AddRecipientsRequest(message_id=created.message_id, recipients=people)

    first = await h.stub.AddRecipients(stream())
    second = await h.stub.AddRecipients(stream())
    assert (first.added_count, second.added_count, second.total_recipients) == (2, 0, 2)


async def test_no_recipients_and_cancel_after_finish(h: Harness) -> None:
    message_id = await h.send([], [M.DELIVERY_MODE_VOICE])
    progress = await h.finished(message_id)
    assert progress.status == MS.MESSAGE_STATUS_NO_RECIPIENTS
    assert progress.total_message_duration.ToMicroseconds() == 0
    assert h.stub is not None
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await h.stub.CancelMessage(d.CancelMessageRequest(message_id=message_id))
    assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_other_district_sees_nothing(h: Harness) -> None:
    message_id = await h.send([person("p1", phone(VOICE_OK))], [M.DELIVERY_MODE_VOICE])
    token = user_token(h.settings, "x", 2, ["send_messages", "cancel_messages"])
    assert h.host is not None
    async with open_channel(f"127.0.0.1:{h.host.port}", token=token) as channel:
        stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.CancelMessage(d.CancelMessageRequest(message_id=message_id))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
