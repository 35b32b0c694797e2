"""The read side as the reports service calls it: access, detail, counted and streamed rows."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from smlog.auth import Caller, Right
from smlog.config import Settings
from smlog.errors import NotFoundError, PermissionDeniedError
from smlog.readmodel import DeliveryQuery, build_detail, message_detail, viewer_of
from smlog.store import Database, open_database
from tests.support.builders import (
    SECOND,
    T0,
    TEXT,
    VOICE,
    Device,
    Person,
    add_campaign,
    add_district,
)
from tests.support.campaign import seed_campaign

TYPES = frozenset(r for r in Right if r.value.startswith("type_"))


def caller(*rights: Right, user: str = "alice", district: int = 1) -> Caller:
    return Caller(user_id=user, district_id=district, rights=frozenset(rights) | TYPES)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = await open_database(settings)
    yield database
    await database.close()


async def test_stream_count_and_detail_for_a_report(db: Database) -> None:
    mid = await seed_campaign(db)
    viewer = viewer_of(caller(Right.SENT_MESSAGE_LOG, Right.ALL_MESSAGES))
    query = await DeliveryQuery.open(db, viewer, mid, [VOICE], [])
    assert await query.count() == 5
    batches = [batch async for batch in query.stream(batch=2)]
    assert [len(b) for b in batches] == [2, 2, 1]
    rows = [r for b in batches for r in b]
    assert [r.target_id for r in rows] == sorted(r.target_id for r in rows)
    assert rows[0].device == "(***) ***-0101"
    assert rows[0].status_time_us == T0 + 30 * SECOND
    detail = await build_detail(db, query.message)
    assert detail.message_id == mid
    assert detail.general_criteria.total_recipient_count == 6


async def test_full_devices_and_hidden_messages(db: Database) -> None:
    mid = await seed_campaign(db)
    full = viewer_of(caller(Right.SENT_MESSAGE_LOG, Right.ALL_MESSAGES, Right.VIEW_DEVICE_DETAILS))
    query = await DeliveryQuery.open(db, full, mid, full_devices=full.full_devices)
    rows = [r async for b in query.stream() for r in b]
    assert rows[0].device == "(555) 555-0101"
    plain = viewer_of(caller(Right.SENT_MESSAGE_LOG, Right.ALL_MESSAGES))
    with pytest.raises(PermissionDeniedError):
        await DeliveryQuery.open(db, plain, mid, full_devices=True)
    for viewer in (
        viewer_of(caller(Right.SENT_MESSAGE_LOG, Right.MY_MESSAGES, user="bob")),
        viewer_of(caller(Right.SENT_MESSAGE_LOG, Right.ALL_MESSAGES, district=2)),
    ):
        with pytest.raises(NotFoundError):
            await DeliveryQuery.open(db, viewer, mid)
        with pytest.raises(NotFoundError):
            await message_detail(db, viewer, mid)
    with pytest.raises(PermissionDeniedError):
        viewer_of(Caller(user_id="service:reports", service="reports"))


async def test_live_durations_with_a_fixed_clock(db: Database) -> None:
    await add_district(db, 1)
    people = [
        Person("Ann", devices=[Device(VOICE, "+15555550101", ["queued"])]),
        Person("Ben", devices=[Device(TEXT, "+15555550102", ["delivered"], seconds=7)]),
    ]
    mid = await add_campaign(db, district_id=1, recipients=people, sent_time=T0)
    viewer = viewer_of(caller(Right.SENT_MESSAGE_LOG, Right.ALL_MESSAGES))
    detail = await message_detail(db, viewer, mid, now=T0 + 90 * SECOND)
    info = detail.delivery_information
    assert (info.total_message_duration.ToSeconds(), info.complete) == (90, False)
    voice, text = info.modes
    assert (voice.first_attempt_duration.ToSeconds(), voice.first_attempt_complete) == (90, False)
    assert (text.first_attempt_duration.ToSeconds(), text.first_attempt_complete) == (7, True)
    assert voice.total_pending == 1
