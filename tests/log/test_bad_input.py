"""Bad input is INVALID_ARGUMENT naming the field; unknown messages are NOT_FOUND."""

from __future__ import annotations

import grpc
import pytest

from smlog.v1.common_pb2 import Date
from smlog.v1.log_pb2 import GetMessageRequest, ListDeliveriesRequest, ListMessagesRequest
from tests.support.builders import add_district, add_message
from tests.support.log import LogEnv, rpc_error


def day(y: int, m: int, d: int) -> Date:
    return Date(year=y, month=m, day=d)


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"start_date": day(2026, 3, 5), "end_date": day(2026, 3, 4)}, "end_date"),
        ({"start_date": day(2026, 2, 30)}, "start_date"),
        ({"start_date": day(2026, 0, 1)}, "start_date"),
        ({"end_date": day(2026, 13, 1)}, "end_date"),
        ({"end_date": Date()}, "end_date"),
        ({"scope": 7}, "scope"),
        ({"message_types": [9]}, "message_types"),
        ({"message_types": [0]}, "message_types"),
        ({"page_size": -1}, "page_size"),
        ({"subject": "x" * 201}, "subject"),
        ({"page_token": "garbage"}, "page_token"),
        ({"page_token": "%%%"}, "page_token"),
        ({"message_id": -3}, "message_id"),
        ({"calendar_id": -1}, "calendar_id"),
    ],
)
async def test_list_messages_bad_input(
    env: LogEnv, request_fields: dict[str, object], field: str
) -> None:
    err = await rpc_error(env.stub().ListMessages(ListMessagesRequest(**request_fields)))  # type: ignore[arg-type]
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (err.details() or "").startswith(f"{field}:")


async def test_limits_that_are_not_errors(env: LogEnv) -> None:
    await add_district(env.db, 1)
    await add_message(env.db, district_id=1)
    stub = env.stub()
    ok = await stub.ListMessages(ListMessagesRequest(subject="x" * 200, page_size=10_000))
    assert ok.total_size == 0
    same_day = await stub.ListMessages(
        ListMessagesRequest(start_date=day(2026, 3, 9), end_date=day(2026, 3, 9))
    )
    assert same_day.total_size == 1
    far = await stub.ListMessages(ListMessagesRequest(end_date=day(9999, 12, 31)))
    assert far.total_size == 1


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"delivery_modes": [9]}, "delivery_modes"),
        ({"delivery_modes": [0]}, "delivery_modes"),
        ({"statuses": [42]}, "statuses"),
        ({"page_size": -5}, "page_size"),
        ({"page_token": "garbage"}, "page_token"),
        ({"message_id": 0}, "message_id"),
    ],
)
async def test_list_deliveries_bad_input(
    env: LogEnv, request_fields: dict[str, object], field: str
) -> None:
    await add_district(env.db, 1)
    mid = await add_message(env.db, district_id=1)
    fields = {"message_id": mid, **request_fields}
    err = await rpc_error(env.stub().ListDeliveries(ListDeliveriesRequest(**fields)))  # type: ignore[arg-type]
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (err.details() or "").startswith(f"{field}:")


async def test_unknown_message_is_not_found(env: LogEnv) -> None:
    stub = env.stub()
    for call in (
        stub.GetMessage(GetMessageRequest(message_id=77)),
        stub.ListDeliveries(ListDeliveriesRequest(message_id=77)),
    ):
        err = await rpc_error(call)
        assert err.code() == grpc.StatusCode.NOT_FOUND
        assert err.details() == "message 77 not found"
    err = await rpc_error(stub.GetMessage(GetMessageRequest(message_id=-1)))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
