"""ListDeliveries: the per-device Recipient Details rows, masked by default, filterable and
paginated."""

from __future__ import annotations

import grpc
import pytest

from smlog.v1.common_pb2 import DeliveryMode, DeviceStatus, StatusGroup
from smlog.v1.log_pb2 import ListDeliveriesRequest
from tests.support.builders import EMAIL, SECOND, T0, TEXT, VOICE
from tests.support.campaign import seed_campaign
from tests.support.log import LogEnv, rpc_error
from tests.support.rights import FULL

S = DeviceStatus


@pytest.fixture
async def mid(env: LogEnv) -> int:
    return await seed_campaign(env.db)


async def test_rows_masked_by_default(env: LogEnv, mid: int) -> None:
    reply = await env.stub().ListDeliveries(ListDeliveriesRequest(message_id=mid))
    assert reply.total_size == 11
    assert reply.next_page_token == ""
    rows = [
        (d.recipient_name, d.delivery_mode, d.device, S.Name(d.status), d.attempt_count)
        for d in reply.deliveries
    ]
    assert rows == [
        ("Ann Lee", VOICE, "(***) ***-0101", "DEVICE_STATUS_COMPLETED", 3),
        ("Ann Lee", TEXT, "(***) ***-0101", "DEVICE_STATUS_DELIVERED", 1),
        ("Ann Lee", EMAIL, "a***@example.org", "DEVICE_STATUS_SENT", 1),
        ("Ben Ode", VOICE, "(***) ***-0102", "DEVICE_STATUS_NO_ANSWER", 3),
        ("Ben Ode", VOICE, "(***) ***-0112", "DEVICE_STATUS_FAILED", 1),
        ("Ben Ode", EMAIL, "b***@example.org", "DEVICE_STATUS_VENDOR_ERROR", 1),
        ("Cat Poe", VOICE, "(***) ***-0103 x12", "DEVICE_STATUS_CANCELED", 0),
        ("Cat Poe", TEXT, "(***) ***-0103 x12", "DEVICE_STATUS_NOT_ELIGIBLE", 0),
        ("Dan Ray", TEXT, "(***) ***-0104", "DEVICE_STATUS_OPT_OUT", 0),
        ("Eve Sun", EMAIL, "", "DEVICE_STATUS_NO_DEVICE", 0),
        ("Gus Lee", VOICE, "(***) ***-0101", "DEVICE_STATUS_COMPLETED", 1),
    ]
    ann = reply.deliveries[0]
    assert ann.student_name == "Sam Lee"
    assert ann.status_group == StatusGroup.STATUS_GROUP_SUCCESSFUL
    assert ann.status_time.ToMicroseconds() == T0 + 30 * SECOND
    ben_email = reply.deliveries[5]
    assert ben_email.status_group == StatusGroup.STATUS_GROUP_ERROR
    assert ben_email.vendor_detail == "500: upstream"
    assert reply.deliveries[6].status_group == StatusGroup.STATUS_GROUP_CANCELED


async def test_full_devices_with_the_right(env: LogEnv, mid: int) -> None:
    reply = await env.stub(rights=FULL).ListDeliveries(
        ListDeliveriesRequest(message_id=mid, show_full_devices=True)
    )
    devices = [d.device for d in reply.deliveries]
    assert devices[:3] == ["(555) 555-0101", "(555) 555-0101", "ann.lee@example.org"]
    assert devices[6] == "(555) 555-0103 x12"
    # Without asking, even a user with the right gets masked devices.
    masked = await env.stub(rights=FULL).ListDeliveries(ListDeliveriesRequest(message_id=mid))
    assert masked.deliveries[0].device == "(***) ***-0101"


async def test_filter_by_mode_and_status(env: LogEnv, mid: int) -> None:
    stub = env.stub()

    async def names(**kw: object) -> tuple[int, list[str]]:
        r = await stub.ListDeliveries(ListDeliveriesRequest(message_id=mid, **kw))  # type: ignore[arg-type]
        return r.total_size, [f"{d.recipient_name}/{d.delivery_mode}" for d in r.deliveries]

    assert await names(delivery_modes=[DeliveryMode.DELIVERY_MODE_VOICE]) == (
        5,
        ["Ann Lee/3", "Ben Ode/3", "Ben Ode/3", "Cat Poe/3", "Gus Lee/3"],
    )
    assert await names(statuses=[S.DEVICE_STATUS_FAILED, S.DEVICE_STATUS_VENDOR_ERROR]) == (
        2,
        ["Ben Ode/3", "Ben Ode/2"],
    )
    assert await names(
        delivery_modes=[DeliveryMode.DELIVERY_MODE_TEXT, DeliveryMode.DELIVERY_MODE_EMAIL],
        statuses=[S.DEVICE_STATUS_SENT, S.DEVICE_STATUS_OPT_OUT, S.DEVICE_STATUS_COMPLETED],
    ) == (2, ["Ann Lee/2", "Dan Ray/4"])
    assert await names(delivery_modes=[DeliveryMode.DELIVERY_MODE_INBOX]) == (0, [])


async def test_pages_to_the_end(env: LogEnv, mid: int) -> None:
    stub = env.stub()
    every = await stub.ListDeliveries(ListDeliveriesRequest(message_id=mid))
    seen: list[int] = []
    token = ""
    while True:
        reply = await stub.ListDeliveries(
            ListDeliveriesRequest(message_id=mid, page_size=4, page_token=token)
        )
        assert reply.total_size == 11
        seen.extend(d.target_id for d in reply.deliveries)
        token = reply.next_page_token
        if not token:
            break
    assert seen == [d.target_id for d in every.deliveries]
    assert seen == sorted(seen)
    # The token is bound to its filter and its caller.
    first = await stub.ListDeliveries(ListDeliveriesRequest(message_id=mid, page_size=4))
    for request, caller in (
        (
            ListDeliveriesRequest(message_id=mid, page_token=first.next_page_token, statuses=[5]),
            stub,
        ),
        (ListDeliveriesRequest(message_id=mid, page_token=first.next_page_token), env.stub("bob")),
    ):
        err = await rpc_error(caller.ListDeliveries(request))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert (err.details() or "").startswith("page_token:")
