"""ListMessages: the log's columns and each filter alone and combined."""

from __future__ import annotations

import pytest

from smlog.v1.common_pb2 import Date, DeliveryMode, MessageStatus, MessageType
from smlog.v1.log_pb2 import ListMessagesRequest, MessageScope
from tests.support.log import LogEnv
from tests.support.log_data import LogData, local, seed_log
from tests.support.rights import ALL

T = MessageType


@pytest.fixture
async def data(env: LogEnv) -> LogData:
    return await seed_log(env.db)


async def ids(env: LogEnv, **kw: object) -> list[int]:
    reply = await env.stub().ListMessages(ListMessagesRequest(**kw))  # type: ignore[arg-type]
    assert reply.total_size == len(reply.messages)
    return [m.message_id for m in reply.messages]


def day(m: int, d: int) -> Date:
    return Date(year=2026, month=m, day=d)


async def test_columns_newest_first(env: LogEnv, data: LogData) -> None:
    reply = await env.stub().ListMessages(ListMessagesRequest())
    assert [m.message_id for m in reply.messages] == [data.m4, data.m3, data.m2, data.m1]
    assert reply.total_size == 4
    assert reply.next_page_token == ""
    assert reply.scope == MessageScope.MESSAGE_SCOPE_ALL
    assert list(reply.filterable_message_types) == [1, 2, 3, 4, 5]
    m1 = reply.messages[3]
    assert m1.sent_time.ToMicroseconds() == local(2026, 3, 2, 10)
    assert [c.school_name for c in m1.calendars] == ["Adams Elementary"]
    assert m1.subject == "School Closed Today"
    assert m1.created_by.user_id == "alice"
    assert m1.created_by.display_name == "Alice"
    assert m1.message_type == T.MESSAGE_TYPE_GENERAL
    assert list(m1.delivery_modes) == [
        DeliveryMode.DELIVERY_MODE_EMAIL,
        DeliveryMode.DELIVERY_MODE_VOICE,
    ]
    assert m1.has_attachment
    assert m1.attachment_name == "closure.pdf"
    assert m1.status == MessageStatus.MESSAGE_STATUS_SENT
    m3 = reply.messages[1]
    assert [c.school_name for c in m3.calendars] == ["Adams Elementary", "Burr Middle"]
    assert m3.status == MessageStatus.MESSAGE_STATUS_IN_PROGRESS
    assert not m3.has_attachment


async def test_message_id(env: LogEnv, data: LogData) -> None:
    assert await ids(env, message_id=data.m2) == [data.m2]
    assert await ids(env, message_id=data.draft) == []
    assert await ids(env, message_id=data.other) == []
    assert await ids(env, message_id=999_999) == []


async def test_dates_are_days_in_the_district_zone(env: LogEnv, data: LogData) -> None:
    # m2 was sent at 23:30 on Mar 3 in Chicago, which is Mar 4 in UTC.
    assert await ids(env, start_date=day(3, 3), end_date=day(3, 3)) == [data.m2]
    assert await ids(env, start_date=day(3, 4), end_date=day(3, 4)) == [data.m3]
    assert await ids(env, start_date=day(3, 2), end_date=day(3, 3)) == [data.m2, data.m1]
    assert await ids(env, start_date=day(3, 4)) == [data.m4, data.m3]
    assert await ids(env, end_date=day(3, 3)) == [data.m2, data.m1]
    assert await ids(env, start_date=day(3, 6)) == []
    assert await ids(env, start_date=day(2, 1), end_date=day(2, 28)) == []


async def test_calendar(env: LogEnv, data: LogData) -> None:
    assert await ids(env, calendar_id=data.cal_a) == [data.m3, data.m1]
    assert await ids(env, calendar_id=data.cal_b) == [data.m3, data.m2]
    assert await ids(env, calendar_id=data.cal_c) == []  # another district's calendar


async def test_subject_contains_case_insensitive(env: LogEnv, data: LogData) -> None:
    assert await ids(env, subject="closed") == [data.m1]
    assert await ids(env, subject="SCHOOL CLOSED") == [data.m1]
    assert await ids(env, subject="  bus ") == [data.m2]
    assert await ids(env, subject="school draft") == []
    # Wildcards are literal.
    assert await ids(env, subject="100%") == [data.m3]
    assert await ids(env, subject="_") == [data.m3]
    assert await ids(env, subject="%") == [data.m3]
    assert await ids(env, subject="nothing like this") == []


async def test_message_types(env: LogEnv, data: LogData) -> None:
    assert await ids(env, message_types=[T.MESSAGE_TYPE_PRIORITY]) == [data.m2]
    assert await ids(env, message_types=[T.MESSAGE_TYPE_GENERAL, T.MESSAGE_TYPE_EMERGENCY]) == [
        data.m3,
        data.m1,
    ]
    assert await ids(env, message_types=[T.MESSAGE_TYPE_TEXT_OPT_IN]) == []
    every = [T.MESSAGE_TYPE_GENERAL, T.MESSAGE_TYPE_GENERAL, *range(2, 6)]
    assert await ids(env, message_types=every) == [data.m4, data.m3, data.m2, data.m1]


async def test_scope_my_and_all(env: LogEnv, data: LogData) -> None:
    assert await ids(env, scope=MessageScope.MESSAGE_SCOPE_ALL) == [
        data.m4,
        data.m3,
        data.m2,
        data.m1,
    ]
    reply = await env.stub("alice", rights=[*ALL, "my_messages"]).ListMessages(
        ListMessagesRequest(scope=MessageScope.MESSAGE_SCOPE_MY)
    )
    assert [m.message_id for m in reply.messages] == [data.m3, data.m1]
    assert reply.scope == MessageScope.MESSAGE_SCOPE_MY


async def test_filters_combined(env: LogEnv, data: LogData) -> None:
    general = [T.MESSAGE_TYPE_GENERAL]
    assert await ids(env, calendar_id=data.cal_a, message_types=general) == [data.m1]
    assert await ids(env, calendar_id=data.cal_b, subject="drill") == [data.m3]
    assert await ids(env, calendar_id=data.cal_b, start_date=day(3, 3), end_date=day(3, 3)) == [
        data.m2
    ]
    assert await ids(env, subject="o", start_date=day(3, 4), end_date=day(3, 5)) == [
        data.m4,
        data.m3,
    ]
    assert await ids(env, message_id=data.m1, calendar_id=data.cal_b) == []
    assert await ids(
        env,
        message_id=data.m3,
        calendar_id=data.cal_a,
        subject="LOCK",
        start_date=day(3, 4),
        end_date=day(3, 4),
        message_types=[T.MESSAGE_TYPE_EMERGENCY, T.MESSAGE_TYPE_PRIORITY],
    ) == [data.m3]
    mine = await env.stub("alice", rights=[*ALL, "my_messages"]).ListMessages(
        ListMessagesRequest(calendar_id=data.cal_b, subject="l")
    )
    assert [m.message_id for m in mine.messages] == [data.m3]
    assert mine.total_size == 1
