"""Dialing window with an injected clock, and Emergency before Priority before General."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from smlog.auth import Caller, Right
from smlog.config import Settings
from smlog.services.dispatch import accept
from smlog.services.dispatch.catalog import Catalog
from smlog.services.dispatch.claim import claim_due
from smlog.services.dispatch.policy import DispatchPolicy
from smlog.services.dispatch.pools import PhoneJob
from smlog.services.dispatch.start import start_dispatch
from smlog.store import migrate
from smlog.store.opening import connect
from smlog.v1 import common_pb2 as c
from smlog.v1 import dispatch_pb2 as d
from tests.dispatch.people import VOICE_OK, M, person, phone
from tests.support.clock import ManualClock
from tests.support.dispatch import Harness, store_district
from tests.support.waiting import wait_for

MT = c.MessageType
V = M.DELIVERY_MODE_VOICE
CHICAGO = ZoneInfo("America/Chicago")


def _us(dt: datetime) -> int:
    return int(dt.timestamp() * 1_000_000)


async def test_dialing_window_holds_general_not_emergency(make: object) -> None:
    clock = ManualClock(_us(datetime(2026, 1, 15, 23, 0, tzinfo=CHICAGO)))
    h: Harness = await make(clock)  # type: ignore[operator]
    general = await h.send([person("g", phone(VOICE_OK, modes=(V,)))], [V])
    emergency = await h.send(
        [person("e", phone("+15555550130", modes=(V,)))], [V], MT.MESSAGE_TYPE_EMERGENCY
    )
    await h.finished(emergency)

    async def deferred() -> bool:
        row = await h.db.fetch_one(
            "SELECT next_attempt_time FROM targets WHERE message_id = ?", (general,)
        )
        return row is not None and row[0] == _us(datetime(2026, 1, 16, 8, 0, tzinfo=CHICAGO))

    await wait_for(deferred)
    assert await h.attempts(general) == []
    clock.value = _us(datetime(2026, 1, 16, 7, 59, tzinfo=CHICAGO))
    await h.scheduler_ran()  # a claim pass at 7:59 ran, and placed nothing
    assert await h.attempts(general) == []
    clock.value = _us(datetime(2026, 1, 16, 8, 0, tzinfo=CHICAGO))
    progress = await h.finished(general)
    assert progress.modes[0].total_attempts == 1


async def test_claims_take_emergency_then_priority_then_general(settings: Settings) -> None:
    db = await connect(settings.store_url())
    await migrate(db)
    caller = Caller(user_id="u", district_id=1, rights=frozenset(Right))
    await store_district(db, caller)
    order = [MT.MESSAGE_TYPE_GENERAL, MT.MESSAGE_TYPE_PRIORITY, MT.MESSAGE_TYPE_EMERGENCY]
    ids = {}
    for n, message_type in enumerate(order):
        draft = d.MessageDraft(
            message_type=message_type,
            subject="s",
            delivery_modes=[V],
            content=c.MessageContent(voice_script="x"),
        )
        message_id, _, _ = await accept.create_message(db, caller, f"r{n}", draft, 1_000)
        people = [person(f"p{i}", phone(f"+1555555{n}{i:03d}")) for i in range(5)]
        await accept.add_recipients(db, message_id, people)
        await start_dispatch(db, message_id, 1_000 + n)
        ids[message_id] = message_type
    catalog = Catalog(db)
    policy = DispatchPolicy.from_settings(settings)
    seen = []
    for _ in range(3):
        claim = await claim_due(db, catalog, policy, 10_000, {V: 5}, 1000)
        seen.append({ids[j.message_id] for j in claim.jobs if isinstance(j, PhoneJob)})
    await db.close()
    assert seen == [
        {MT.MESSAGE_TYPE_EMERGENCY},
        {MT.MESSAGE_TYPE_PRIORITY},
        {MT.MESSAGE_TYPE_GENERAL},
    ]


async def test_a_stop_while_a_text_waits_for_the_window_makes_it_opt_out(make: object) -> None:
    clock = ManualClock(_us(datetime(2026, 1, 15, 23, 0, tzinfo=CHICAGO)))
    h: Harness = await make(clock)  # type: ignore[operator]
    text = M.DELIVERY_MODE_TEXT
    general = await h.send([person("g", phone("+15555550131", modes=(text,)))], [text])

    async def deferred() -> bool:
        row = await h.db.fetch_one(
            "SELECT next_attempt_time FROM targets WHERE message_id = ?", (general,)
        )
        return row is not None and row[0] is not None and row[0] > clock.value

    await wait_for(deferred)
    # The recipient texts STOP overnight (the district has no short code of its own).
    await h.db_exec(
        "INSERT INTO sms_opt_outs (phone, short_code, opted_out, update_time) VALUES (?, ?, 1, ?)",
        ("+15555550131", "55555", clock.value),
    )
    clock.value = _us(datetime(2026, 1, 16, 8, 0, tzinfo=CHICAGO))
    h.engine.wake()
    progress = await h.finished(general)
    assert await h.attempts(general) == []
    [target] = await h.targets(general)
    assert target[2] == c.DeviceStatus.DEVICE_STATUS_OPT_OUT
    mode = progress.modes[0]
    # The Opt-Out is a suppressed contact: one attempt, never handed to the vendor.
    assert (mode.total_devices, mode.total_attempts, mode.total_successful) == (1, 1, 1)
    assert target[4] == 1
    assert mode.first_attempt_complete
    assert progress.status == c.MessageStatus.MESSAGE_STATUS_SENT
