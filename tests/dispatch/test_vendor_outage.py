"""Vendor outages through the simulators' admin faults: held retries, horizons, breakers."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from smlog.cli.dispatch_cmd import vendor_waits
from smlog.services.dispatch.policy import EMAIL as EMAIL_MODE
from smlog.v1 import common_pb2 as c
from tests.dispatch.people import M, email, person, phone
from tests.support.clock import ManualClock
from tests.support.dispatch import Harness
from tests.support.waiting import wait_for

S = c.DeviceStatus
MS = c.MessageStatus
V = M.DELIVERY_MODE_VOICE
T = M.DELIVERY_MODE_TEXT
E = M.DELIVERY_MODE_EMAIL

# No in-request retries: every failure goes through the durable schedule and the breaker.
OUTAGE = dict(
    vendor_max_retries=0,
    vendor_retry_initial_seconds=0.05,
    vendor_retry_max_seconds=0.3,
    vendor_retry_horizon_general_seconds=120.0,
    vendor_breaker_failures=3,
    vendor_breaker_probe_seconds=0.2,
)


async def faults(h: Harness, vendor: str, body: dict[str, Any]) -> dict[str, Any]:
    return await h.sim_faults(vendor, body)


async def held_rows(h: Harness, mode: int | None = None) -> int:
    sql = "SELECT COUNT(*) FROM vendor_retries"
    row = await h.db.fetch_one(sql + (" WHERE mode = ?" if mode else ""), (mode,) if mode else ())
    return int(row[0]) if row is not None else 0


async def vendor_errors(h: Harness, message_id: int) -> int:
    row = await h.db.fetch_one(
        "SELECT COUNT(*) FROM attempts WHERE message_id = ? AND status = ?",
        (message_id, S.DEVICE_STATUS_VENDOR_ERROR),
    )
    return int(row[0]) if row is not None else 0


def people(n: int, *, mail: bool = True) -> list[Any]:
    return [
        person(
            f"p{i}",
            phone(f"+1555557{i:04d}"),
            *([email(f"p{i}@example.org")] if mail else []),
        )
        for i in range(n)
    ]


async def test_outage_then_recovery_delays_and_fails_nothing(make: object) -> None:
    h: Harness = await make(**OUTAGE)  # type: ignore[operator]
    engine = h.engine
    await faults(h, "voxology", {"outage_s": 1.0})
    await faults(h, "mailgun", {"outage_s": 1.5})
    message_id = await h.send(people(30), [V, T, E])
    await wait_for(lambda: _some_held(h))
    progress = await h.finished(message_id, timeout=60)
    assert progress.status == MS.MESSAGE_STATUS_SENT
    assert await vendor_errors(h, message_id) == 0
    for mode in progress.modes:
        assert (mode.total_devices, mode.total_attempts, mode.total_successful) == (30, 30, 30)
    for i in range(30):
        assert await h.sim_accepted("voxology", f"+1555557{i:04d}") == {"call": 1, "sms": 1}
        assert (await h.sim_accepted("mailgun", f"p{i}@example.org")).get("email") == 1
    assert await held_rows(h) == 0
    assert not any(b.open for b in engine.outages.breakers.values())


async def _some_held(h: Harness) -> bool:
    return await held_rows(h) > 0


async def test_a_vendor_down_does_not_stop_the_others(make: object) -> None:
    h: Harness = await make(**OUTAGE)  # type: ignore[operator]
    engine = h.engine
    await faults(h, "mailgun", {"outage_s": 120})
    message_id = await h.send(people(10), [V, E])

    async def voice_done_email_held() -> bool:
        rows = await h.db.fetch_all(
            "SELECT mode, COUNT(*) FROM targets WHERE message_id = ? AND is_final = 1"
            " GROUP BY mode",
            (message_id,),
        )
        return dict((int(r[0]), int(r[1])) for r in rows).get(V) == 10

    await wait_for(voice_done_email_held, timeout=30)
    await wait_for(lambda: _breaker_open(engine, EMAIL_MODE))
    assert await held_rows(h, EMAIL_MODE) > 0
    watched = await h.progress(message_id)
    assert [(w.vendor, w.delivery_mode) for w in watched.vendor_waits] == [("mailgun", E)]
    assert watched.vendor_waits[0].attempts_held == 10
    assert vendor_waits(watched).startswith("waiting on mailgun: 10 email attempts, next try ")
    await faults(h, "mailgun", {})  # the vendor is back: the next probe closes the breaker
    progress = await h.finished(message_id, timeout=30)
    assert progress.status == MS.MESSAGE_STATUS_SENT
    assert await vendor_errors(h, message_id) == 0
    assert not engine.outages.breakers[EMAIL_MODE].open
    assert not (await h.progress(message_id)).vendor_waits


async def _breaker_open(engine: Any, mode: int) -> bool:
    return bool(engine.outages.breakers[mode].open)


async def test_emergency_outage_longer_than_its_horizon_ends_vendor_error(make: object) -> None:
    h: Harness = await make(  # type: ignore[operator]
        **{**OUTAGE, "vendor_retry_horizon_emergency_seconds": 1.0}
    )
    await faults(h, "voxology", {"outage_s": 120})
    numbers = [f"+1555557{i:04d}" for i in range(5)]
    message_id = await h.send(
        [person(f"p{i}", phone(n, modes=(V,))) for i, n in enumerate(numbers)],
        [V],
        message_type=c.MessageType.MESSAGE_TYPE_EMERGENCY,
    )
    progress = await h.finished(message_id, timeout=30)
    assert progress.status == MS.MESSAGE_STATUS_ERRORED
    rows = await h.db.fetch_all(
        "SELECT status, status_time - create_time, vendor_code, vendor_detail FROM attempts"
        " WHERE message_id = ?",
        (message_id,),
    )
    assert len(rows) == 5
    for status, waited_us, code, detail in rows:
        assert status == S.DEVICE_STATUS_VENDOR_ERROR
        assert waited_us >= 1_000_000  # not before the horizon
        assert code == "500"
        assert "horizon" in detail
    # Still down: the attempts ended at their horizon, not at the vendor's recovery.
    assert (await faults(h, "voxology", {"outage_s": 0}))["outage_s"] == 0
    assert await held_rows(h) == 0


async def test_dispatch_killed_during_an_outage_keeps_the_schedule(make: object) -> None:
    h: Harness = await make(**OUTAGE)  # type: ignore[operator]
    await faults(h, "voxology", {"outage_s": 2.0})
    numbers = [f"+1555557{i:04d}" for i in range(20)]
    message_id = await h.send(
        [person(f"p{i}", phone(n, modes=(V,))) for i, n in enumerate(numbers)], [V]
    )
    await wait_for(lambda: _some_held(h))
    await h.kill_dispatch()
    held = await h.db.fetch_all("SELECT idempotency_key, tries, due_time FROM vendor_retries")
    assert held
    await h.start_dispatch()
    progress = await h.finished(message_id, timeout=60)
    assert progress.status == MS.MESSAGE_STATUS_SENT
    assert await vendor_errors(h, message_id) == 0
    keys = {r[0] for r in held}
    tried = {
        str(r[0])
        for r in await h.db.fetch_all(
            "SELECT idempotency_key FROM attempts WHERE message_id = ? AND request_time IS NOT"
            " NULL AND status = ?",
            (message_id, S.DEVICE_STATUS_COMPLETED),
        )
    }
    assert keys <= tried  # every held attempt was sent after the restart, same key
    for n in numbers:
        assert await h.sim_accepted("voxology", n) == {"call": 1, "sms": 0}
    assert await held_rows(h) == 0


async def test_an_open_breaker_sends_nothing_until_its_probe(make: object) -> None:
    """One-recipient email batches against a Mailgun that is down: once the breaker is open,
    only requests already in flight reach the vendor; the rest wait in the store."""
    h: Harness = await make(  # type: ignore[operator]
        **{**OUTAGE, "vendor_breaker_failures": 2, "vendor_breaker_probe_seconds": 600},
        dispatch_email_batch_size=1,
    )
    engine = h.engine
    await faults(h, "mailgun", {"outage_s": 600})
    message_id = await h.send([person(f"p{i}", email(f"p{i}@example.org")) for i in range(10)], [E])
    await wait_for(lambda: _breaker_open(engine, EMAIL_MODE))
    at_opening = await _sent_to(h, "mailgun")

    async def all_held() -> bool:
        """Every attempt made is held (the targets not claimed yet stay due: no claims for
        a channel whose breaker is open)."""
        row = await h.db.fetch_one(
            "SELECT (SELECT SUM(attempt_count) FROM vendor_retries WHERE message_id = ?),"
            " (SELECT COUNT(*) FROM attempts WHERE message_id = ?)",
            (message_id, message_id),
        )
        return row is not None and row[0] is not None and int(row[0]) == int(row[1])

    await wait_for(all_held)
    await asyncio.sleep(0.5)  # would be several backoffs without the breaker
    assert await all_held()
    # Without the breaker each batch would be tried again every 0.05-0.3 s meanwhile.
    assert await _sent_to(h, "mailgun") - at_opening <= h.settings.mailgun_concurrency
    assert (await h.progress(message_id)).status == MS.MESSAGE_STATUS_IN_PROGRESS
    assert await vendor_errors(h, message_id) == 0


async def _sent_to(h: Harness, vendor: str) -> int:
    return sum((await h.sim_stats(vendor))["requests"].values())


async def test_a_held_general_call_waits_for_the_dialing_window(make: object) -> None:
    """Held past the window's end (21:00 Chicago), a General call is not tried at night: its
    next try moves to the 8:00 opening and its horizon moves by as much."""
    chicago = ZoneInfo("America/Chicago")

    def at(day: int, hour: int, minute: int = 0) -> int:
        return int(datetime(2026, 1, day, hour, minute, tzinfo=chicago).timestamp() * 1e6)

    clock = ManualClock(at(15, 20, 59))
    h: Harness = await make(  # type: ignore[operator]
        clock, **{**OUTAGE, "vendor_retry_horizon_general_seconds": 3600.0}
    )
    engine = h.engine
    await faults(h, "voxology", {"outage_s": 600})
    message_id = await h.send([person("g", phone("+15555570001", modes=(V,)))], [V])
    await wait_for(lambda: _some_held(h))
    ((give_up, tries),) = await h.db.fetch_all("SELECT give_up_time, tries FROM vendor_retries")
    assert (give_up, tries) == (at(15, 21, 59), 1)
    clock.value = at(15, 21, 30)
    await faults(h, "voxology", {})  # the vendor is back, but it is night
    engine.wake()

    async def deferred() -> bool:
        row = await h.db.fetch_one("SELECT due_time, give_up_time FROM vendor_retries")
        return row is not None and int(row[0]) == at(16, 8)

    await wait_for(deferred)
    row = await h.db.fetch_one("SELECT give_up_time, tries FROM vendor_retries")
    assert row is not None
    assert (int(row[0]), int(row[1])) == (give_up + at(16, 8) - at(15, 21, 30), 1)
    assert await h.sim_accepted("voxology", "+15555570001") == {"call": 0, "sms": 0}
    clock.value = at(16, 8)
    engine.wake()
    progress = await h.finished(message_id)
    assert progress.modes[0].total_attempts == 1
    assert await h.sim_accepted("voxology", "+15555570001") == {"call": 1, "sms": 0}
    assert await held_rows(h) == 0
