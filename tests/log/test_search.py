"""SearchDeliveries: one person's device rows across messages, under the log's visibility."""

from __future__ import annotations

import grpc
import pytest

from smlog.readmodel.search import MAX_NAMES
from smlog.v1.common_pb2 import Date, DeliveryMode, DeviceStatus, MessageStatus
from smlog.v1.log_pb2 import DeliveryHit, SearchDeliveriesRequest
from tests.support.builders import (
    DAY,
    EMAIL,
    EMERGENCY,
    GENERAL,
    PRIORITY,
    T0,
    TEXT,
    VOICE,
    Device,
    Person,
    add_campaign,
    add_district,
)
from tests.support.log import LogEnv, rpc_error
from tests.support.rights import ALL, FULL, MY, TYPES

S = DeviceStatus
JANE_PHONE = "+15555550123"
NO_EMERGENCY = [r for r in ALL if r != "type_emergency"]


def jane(*devices: Device) -> Person:
    return Person("Jane Doe", student="Max Doe", devices=list(devices))


async def seed(env: LogEnv) -> dict[str, int]:
    db = env.db
    await add_district(db, 1, time_zone="America/Chicago")
    await add_district(db, 2, time_zone="America/New_York")
    a = await add_campaign(
        db,
        district_id=1,
        created_by="alice",
        message_type=GENERAL,
        subject="Picture day",
        sent_time=T0,
        recipients=[
            jane(
                Device(VOICE, JANE_PHONE, ["no_answer"], vendor_detail="no answer at 5555550123"),
                Device(EMAIL, "Jane.Doe@Example.org", ["sent"]),
            ),
            Person("Janet Roe", devices=[Device(VOICE, "+15555550999", ["completed"])]),
        ],
    )
    b = await add_campaign(
        db,
        district_id=1,
        created_by="bob",
        message_type=PRIORITY,
        subject="Bus late",
        sent_time=T0 + DAY,
        recipients=[jane(Device(TEXT, JANE_PHONE, ["delivered"]))],
    )
    c = await add_campaign(
        db,
        district_id=1,
        created_by="carol",
        message_type=EMERGENCY,
        subject="Lockdown",
        sent_time=T0 + 2 * DAY,
        recipients=[jane(Device(VOICE, JANE_PHONE, ["completed"]))],
    )
    other = await add_campaign(
        db,
        district_id=2,
        created_by="alice",
        subject="Elsewhere",
        sent_time=T0 + 3 * DAY,
        recipients=[jane(Device(VOICE, JANE_PHONE, ["completed"]))],
    )
    return {"a": a, "b": b, "c": c, "other": other}


def rows(hits: list[DeliveryHit]) -> list[tuple[int, str, int, str, str]]:
    return [
        (
            h.message_id,
            h.delivery.recipient_name,
            h.delivery.delivery_mode,
            h.delivery.device,
            S.Name(h.delivery.status),
        )
        for h in hits
    ]


@pytest.mark.parametrize(
    "written", ["(555) 555-0123", "555.555.0123", "+1 555 555 0123", "1-555-555-0123"]
)
async def test_phone_in_any_common_form_finds_every_visible_message(
    env: LogEnv, written: str
) -> None:
    m = await seed(env)
    reply = await env.stub().SearchDeliveries(SearchDeliveriesRequest(phone=written))
    assert rows(list(reply.hits)) == [
        (m["c"], "Jane Doe", VOICE, "(***) ***-0123", "DEVICE_STATUS_COMPLETED"),
        (m["b"], "Jane Doe", TEXT, "(***) ***-0123", "DEVICE_STATUS_DELIVERED"),
        (m["a"], "Jane Doe", VOICE, "(***) ***-0123", "DEVICE_STATUS_NO_ANSWER"),
    ]
    assert reply.next_page_token == ""
    first = reply.hits[-1]
    assert first.subject == "Picture day"
    assert first.sent_time.ToMicroseconds() == T0
    assert first.delivery.student_name == "Max Doe"
    assert first.delivery.attempt_count == 1
    assert first.delivery.vendor_detail == "no answer at ***-0123"  # masked like the device


async def test_email_is_case_insensitive_and_full_with_the_right(env: LogEnv) -> None:
    m = await seed(env)
    request = SearchDeliveriesRequest(email="JANE.doe@example.ORG")
    masked = await env.stub().SearchDeliveries(request)
    assert rows(list(masked.hits)) == [
        (m["a"], "Jane Doe", EMAIL, "J***@Example.org", "DEVICE_STATUS_SENT")
    ]
    full = await env.stub(rights=FULL).SearchDeliveries(
        SearchDeliveriesRequest(email="jane.doe@example.org", show_full_devices=True)
    )
    assert full.hits[0].delivery.device == "Jane.Doe@Example.org"
    err = await rpc_error(
        env.stub().SearchDeliveries(
            SearchDeliveriesRequest(email="jane.doe@example.org", show_full_devices=True)
        )
    )
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_name_prefix_and_person_id(env: LogEnv) -> None:
    m = await seed(env)
    stub = env.stub()
    by_name = await stub.SearchDeliveries(SearchDeliveriesRequest(name="JANE D"))
    assert [(h.message_id, h.delivery.delivery_mode) for h in by_name.hits] == [
        (m["c"], VOICE),
        (m["b"], TEXT),
        (m["a"], EMAIL),
        (m["a"], VOICE),
    ]
    both = await stub.SearchDeliveries(SearchDeliveriesRequest(name="jan"))
    assert {h.delivery.recipient_name for h in both.hits} == {"Jane Doe", "Janet Roe"}
    by_person = await stub.SearchDeliveries(SearchDeliveriesRequest(person_id="p1"))
    assert rows(list(by_person.hits)) == [
        (m["a"], "Janet Roe", VOICE, "(***) ***-0999", "DEVICE_STATUS_COMPLETED")
    ]


async def test_dates_and_modes_narrow_the_rows(env: LogEnv) -> None:
    m = await seed(env)
    stub = env.stub()
    day_b = Date(year=2026, month=3, day=10)  # T0 + 1 day, Chicago
    dated = await stub.SearchDeliveries(
        SearchDeliveriesRequest(phone=JANE_PHONE, start_date=day_b, end_date=day_b)
    )
    assert [h.message_id for h in dated.hits] == [m["b"]]
    voice = await stub.SearchDeliveries(
        SearchDeliveriesRequest(phone=JANE_PHONE, delivery_modes=[DeliveryMode.DELIVERY_MODE_VOICE])
    )
    assert [h.message_id for h in voice.hits] == [m["c"], m["a"]]
    email_only = await stub.SearchDeliveries(
        SearchDeliveriesRequest(phone=JANE_PHONE, delivery_modes=[DeliveryMode.DELIVERY_MODE_EMAIL])
    )
    assert list(email_only.hits) == []


async def test_only_messages_the_caller_may_see(env: LogEnv) -> None:
    m = await seed(env)
    request = SearchDeliveriesRequest(phone=JANE_PHONE)
    mine = await env.stub(user="bob", rights=MY).SearchDeliveries(request)
    assert [h.message_id for h in mine.hits] == [m["b"]]
    no_emergency = await env.stub(rights=NO_EMERGENCY).SearchDeliveries(request)
    assert [h.message_id for h in no_emergency.hits] == [m["b"], m["a"]]
    elsewhere = await env.stub(district=2).SearchDeliveries(request)
    assert [h.message_id for h in elsewhere.hits] == [m["other"]]
    err = await rpc_error(env.stub(rights=TYPES).SearchDeliveries(request))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_hidden_messages_change_nothing_in_the_answer(env: LogEnv) -> None:
    await seed(env)
    stub = env.stub(rights=NO_EMERGENCY)
    request = SearchDeliveriesRequest(phone=JANE_PHONE, page_size=1)

    async def every_page() -> list[bytes]:
        pages = []
        token = ""
        while True:
            request.page_token = token
            reply = await stub.SearchDeliveries(request)
            pages.append(reply.SerializeToString(deterministic=True))
            token = reply.next_page_token
            if not token:
                return pages

    before = await every_page()
    # Newer matching messages the caller may not see: another type, a draft, another district.
    await add_campaign(
        env.db,
        district_id=1,
        message_type=EMERGENCY,
        sent_time=T0 + 5 * DAY,
        recipients=[jane(Device(VOICE, JANE_PHONE, ["completed"]))],
    )
    await add_campaign(
        env.db,
        district_id=1,
        sent_time=None,  # type: ignore[arg-type]
        status=MessageStatus.MESSAGE_STATUS_DRAFT,
        recipients=[jane(Device(VOICE, JANE_PHONE, suppressed="not_eligible"))],
    )
    await add_campaign(
        env.db,
        district_id=2,
        sent_time=T0 + 6 * DAY,
        recipients=[jane(Device(VOICE, JANE_PHONE, ["completed"]))],
    )
    assert await every_page() == before
    assert len(before) == 2


async def test_pages_cover_every_row_once_and_tokens_bind_the_search(env: LogEnv) -> None:
    await seed(env)
    stub = env.stub()
    whole = await stub.SearchDeliveries(SearchDeliveriesRequest(name="jan"))
    seen = []
    token = ""
    while True:
        reply = await stub.SearchDeliveries(
            SearchDeliveriesRequest(name="jan", page_size=2, page_token=token)
        )
        seen.extend(h.delivery.target_id for h in reply.hits)
        token = reply.next_page_token
        if not token:
            break
        last_token = token
    assert seen == [h.delivery.target_id for h in whole.hits]
    err = await rpc_error(
        stub.SearchDeliveries(SearchDeliveriesRequest(name="jane", page_token=last_token))
    )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize(
    "request_",
    [
        SearchDeliveriesRequest(),
        SearchDeliveriesRequest(phone="call me"),
        SearchDeliveriesRequest(phone="12"),
        SearchDeliveriesRequest(name="j"),
        SearchDeliveriesRequest(email="x" * 101),
        SearchDeliveriesRequest(person_id="p1", page_size=-1),
        SearchDeliveriesRequest(person_id="p1", delivery_modes=[9]),  # type: ignore[list-item]
    ],
)
async def test_bad_input_is_invalid_argument(
    env: LogEnv, request_: SearchDeliveriesRequest
) -> None:
    await seed(env)
    err = await rpc_error(env.stub().SearchDeliveries(request_))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_prefix_of_too_many_names_asks_for_more_and_hidden_names_do_not_count(
    env: LogEnv,
) -> None:
    await seed(env)
    many = [Person(f"Zed {n:03d}", devices=[Device(EMAIL, f"z{n}@example.org", ["sent"])])
            for n in range(MAX_NAMES + 1)]  # fmt: skip
    # Only in a message of a type the caller may not see: the prefix still works for it.
    await add_campaign(env.db, district_id=1, message_type=EMERGENCY, recipients=many)
    limited = env.stub(rights=NO_EMERGENCY)
    reply = await limited.SearchDeliveries(SearchDeliveriesRequest(name="zed"))
    assert list(reply.hits) == []
    err = await rpc_error(env.stub().SearchDeliveries(SearchDeliveriesRequest(name="zed")))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    reply = await env.stub().SearchDeliveries(SearchDeliveriesRequest(name="zed 05"))
    assert len(reply.hits) == 10  # Zed 050 to Zed 059
