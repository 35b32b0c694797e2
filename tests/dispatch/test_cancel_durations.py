"""Cancel mid-campaign, and durations and counters against hand-computed values."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from smlog.auth import Caller, Right
from smlog.config import Settings
from smlog.services.dispatch import accept
from smlog.services.dispatch.cancel import cancel_message
from smlog.services.dispatch.catalog import Catalog
from smlog.services.dispatch.claim import claim_due
from smlog.services.dispatch.policy import DispatchPolicy
from smlog.services.dispatch.settle import drain_outcomes
from smlog.services.dispatch.start import start_dispatch
from smlog.store import migrate
from smlog.store.opening import connect
from smlog.v1 import common_pb2 as c
from smlog.v1 import dispatch_pb2 as d
from tests.dispatch.people import VOICE_BUSY, VOICE_SILENT, M, inbox, person, phone
from tests.support.clock import ManualClock
from tests.support.dispatch import Harness, S
from tests.support.waiting import wait_for

MS = c.MessageStatus
V = M.DELIVERY_MODE_VOICE
I = M.DELIVERY_MODE_INBOX  # noqa: E741
CHICAGO = ZoneInfo("America/Chicago")
DAY = int(datetime(2026, 3, 10, 10, 0, tzinfo=CHICAGO).timestamp() * 1_000_000)
NIGHT = int(datetime(2026, 3, 10, 22, 0, tzinfo=CHICAGO).timestamp() * 1_000_000)
SECOND = 1_000_000


async def test_cancel_turns_unattempted_targets_canceled(make: object) -> None:
    h: Harness = await make(ManualClock(NIGHT))  # type: ignore[operator]
    people = [
        person(f"p{i}", inbox(f"acct-{i}"), phone(f"+1555556000{i}", modes=(V,))) for i in range(3)
    ]
    message_id = await h.send(people, [I, V])
    await wait_for(lambda: _count(h, "SELECT COUNT(*) FROM inbox_items", 3))
    assert h.stub is not None
    answer = await h.stub.CancelMessage(d.CancelMessageRequest(message_id=message_id))
    assert answer.canceled_count == 3
    progress = await h.finished(message_id)
    assert progress.status == MS.MESSAGE_STATUS_CANCELED
    modes = {m.delivery_mode: m for m in progress.modes}
    assert (modes[I].total_successful, modes[I].total_canceled) == (3, 0)
    assert (modes[V].total_attempts, modes[V].total_canceled, modes[V].total_pending) == (0, 3, 0)
    assert modes[V].first_attempt_complete


async def test_cancel_stops_redials_and_lets_calls_finish(make: object) -> None:
    h: Harness = await make(  # type: ignore[operator]
        ManualClock(DAY), redial_wait_seconds=600, voice_status_deadline_seconds=30
    )
    people = [person("b", phone(VOICE_BUSY, modes=(V,))), person("s", phone(VOICE_SILENT))]
    message_id = await h.send(people, [V])

    async def waiting() -> bool:
        rows = await h.db.fetch_all(
            "SELECT t.status, t.next_attempt_time, a.request_time FROM targets t"
            " JOIN attempts a ON a.target_id = t.id WHERE t.message_id = ? ORDER BY t.id",
            (message_id,),
        )
        return (
            len(rows) == 2
            and rows[0][0] == S.DEVICE_STATUS_BUSY
            and rows[0][1] is not None
            and rows[1][2] is not None
        )

    await wait_for(waiting)
    assert h.stub is not None
    answer = await h.stub.CancelMessage(d.CancelMessageRequest(message_id=message_id))
    assert answer.canceled_count == 0
    assert answer.progress.status == MS.MESSAGE_STATUS_IN_PROGRESS
    assert h.clock is not None
    h.clock.advance(31)  # the silent call's status deadline passes
    progress = await h.finished(message_id)
    assert progress.status == MS.MESSAGE_STATUS_CANCELED
    statuses = sorted(r[2] for r in await h.targets(message_id))
    assert statuses == [S.DEVICE_STATUS_BUSY, S.DEVICE_STATUS_NO_CALL_STATUS]
    assert progress.modes[0].total_attempts == 2


async def _count(h: Harness, sql: str, want: int) -> bool:
    row = await h.db.fetch_one(sql)
    return row is not None and int(row[0]) == want


async def test_durations_and_counters_hand_computed(make: object) -> None:
    clock = ManualClock(DAY)
    h: Harness = await make(clock, redial_wait_seconds=30)  # type: ignore[operator]
    h.apply_callbacks = False
    x1, x2, z = "+15555560140", "+15555560141", "+15555560142"
    people = [person("a", phone(x1, modes=(V,)), phone(x2, modes=(V,))), person("b", phone(z))]
    message_id = await h.send(people, [V])
    await wait_for(lambda: _count(h, "SELECT COUNT(*) FROM attempts WHERE request_time > 0", 3))
    ids = {r[5]: int(r[0]) for r in await h.attempts(message_id)}
    await h.report(ids[x2], S.DEVICE_STATUS_COMPLETED, DAY + 5 * SECOND)
    await h.report(ids[x1], S.DEVICE_STATUS_BUSY, DAY + 10 * SECOND)
    await h.report(ids[z], S.DEVICE_STATUS_NOT_CONFIRMED, DAY + 20 * SECOND)

    async def first_done() -> bool:
        progress = await h.progress(message_id)
        return progress.modes[0].first_attempt_complete

    await wait_for(first_done)
    progress = await h.progress(message_id)
    assert progress.modes[0].first_attempt_duration.ToMicroseconds() == 20 * SECOND
    assert progress.status == MS.MESSAGE_STATUS_IN_PROGRESS
    clock.value = DAY + 40 * SECOND  # the redial of x1 is due
    await wait_for(lambda: _count(h, "SELECT COUNT(*) FROM attempts WHERE request_time > 0", 4))
    redial = [r for r in await h.attempts(message_id) if r[2] == 2]
    assert [r[5] for r in redial] == [x1]
    await h.report(int(redial[0][0]), S.DEVICE_STATUS_COMPLETED, DAY + 100 * SECOND)
    progress = await h.finished(message_id)
    assert progress.status == MS.MESSAGE_STATUS_SENT
    assert progress.total_message_duration.ToMicroseconds() == 100 * SECOND
    assert progress.dispatch_start_time.ToMicroseconds() == DAY
    voice = progress.modes[0]
    assert (voice.total_devices, voice.total_attempts) == (3, 4)
    assert (voice.total_successful, voice.total_error, voice.total_canceled) == (3, 0, 0)
    assert voice.first_attempt_duration.ToMicroseconds() == 20 * SECOND
    first = await h.db.fetch_all(
        "SELECT address FROM targets WHERE message_id = ? AND is_first_device = 1 ORDER BY id",
        (message_id,),
    )
    assert [r[0] for r in first] == [x1, z]


async def test_durations_end_at_the_latest_final_even_when_it_settles_first(
    make: object,
) -> None:
    """A device that became final late (T+60 s) is settled before a delayed callback stamped
    earlier (T+30 s): both durations still end at T+60 s, not at the last batch's time."""
    clock = ManualClock(DAY)
    h: Harness = await make(clock)  # type: ignore[operator]
    h.apply_callbacks = False
    late, early = "+15555560150", "+15555560151"
    message_id = await h.send([person("a", phone(late)), person("b", phone(early))], [V])
    await wait_for(lambda: _count(h, "SELECT COUNT(*) FROM attempts WHERE request_time > 0", 2))
    ids = {r[5]: int(r[0]) for r in await h.attempts(message_id)}
    await h.report(ids[late], S.DEVICE_STATUS_COMPLETED, DAY + 60 * SECOND)
    settled = f"SELECT COUNT(*) FROM targets WHERE message_id = {message_id} AND is_final = 1"
    await wait_for(lambda: _count(h, settled, 1))  # the late one settles in a batch of its own
    await h.report(ids[early], S.DEVICE_STATUS_NOT_CONFIRMED, DAY + 30 * SECOND)
    progress = await h.finished(message_id)
    assert progress.total_message_duration.ToMicroseconds() == 60 * SECOND
    assert progress.modes[0].first_attempt_duration.ToMicroseconds() == 60 * SECOND


async def test_cancel_of_a_stored_unsent_redial_keeps_the_last_status(settings: Settings) -> None:
    """Cancel stops redials the same way whether the redial is still waiting or already stored
    for sending: the device keeps its last attempt's status (Busy, successful), only the
    stored redial attempt itself is Canceled."""
    db = await connect(settings.store_url())
    try:
        await migrate(db)
        caller = Caller(user_id="u", district_id=1, rights=frozenset(Right))
        window = c.DialingWindow(start_minute=0, end_minute=1440)
        district = c.District(district_id=1, name="D", time_zone="UTC", dialing_window=window)
        await accept.upsert_district(db, caller, district, [])
        draft = d.MessageDraft(
            message_type=c.MessageType.MESSAGE_TYPE_EMERGENCY,
            subject="s",
            delivery_modes=[V],
            content=c.MessageContent(voice_script="x"),
        )
        message_id, _, _ = await accept.create_message(db, caller, "r", draft, DAY)
        await accept.add_recipients(db, message_id, [person("p", phone("+15555560160"))])
        await start_dispatch(db, message_id, DAY)
        policy = DispatchPolicy.from_settings(settings)
        catalog = Catalog(db)
        [first] = (await claim_due(db, catalog, policy, DAY, {V: 5}, 1000)).jobs
        async with db.transaction() as tx:
            await tx.execute(
                "UPDATE attempts SET status = ?, is_final = 1, request_time = ? WHERE id = ?",
                (S.DEVICE_STATUS_BUSY, DAY, first.attempt_ids[0]),
            )
            await tx.execute(
                "INSERT INTO attempt_outcomes (attempt_id, status, status_time) VALUES (?, ?, ?)",
                (first.attempt_ids[0], S.DEVICE_STATUS_BUSY, DAY + SECOND),
            )
        await drain_outcomes(db, policy, 100)
        later = DAY + SECOND + policy.redial_wait_us
        [_redial] = (await claim_due(db, catalog, policy, later, {V: 5}, 1000)).jobs
        await cancel_message(db, message_id, policy, later + SECOND, in_flight=set())
        attempts = await db.fetch_all(
            "SELECT number, status FROM attempts WHERE message_id = ? ORDER BY number",
            (message_id,),
        )
        assert [tuple(a) for a in attempts] == [
            (1, S.DEVICE_STATUS_BUSY),
            (2, S.DEVICE_STATUS_CANCELED),
        ]
        target = await db.fetch_one("SELECT status, is_final FROM targets")
        assert target is not None
        assert tuple(target) == (S.DEVICE_STATUS_BUSY, 1)
        stats = await db.fetch_one(
            "SELECT total_successful, total_canceled, total_attempts FROM message_mode_stats"
        )
        assert stats is not None
        assert tuple(stats) == (1, 0, 2)
        message = await db.fetch_one("SELECT status FROM messages WHERE id = ?", (message_id,))
        assert message is not None
        assert message[0] == MS.MESSAGE_STATUS_CANCELED
    finally:
        await db.close()
