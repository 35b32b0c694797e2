"""Flow control (docs/dispatch.md): the limit it puts on sending for a measured status lag,
one table row per rule, and the lag as measured from the store."""

from __future__ import annotations

import pytest

from smlog.services.dispatch.flow import RECENT_EVENTS, FlowControl, Lag, measure_lag
from smlog.store import Database

TARGET, FLOOR = 5.0, 200.0
T = 100.0  # seconds on the controller's clock

# (rule, limit before, no cut before, lag now, sent per second, limit after)
RULES = [
    ("a lag under the target sets no limit", None, 0.0, 4.0, 3000.0, None),
    ("over the target: 0.7 of what was sent", None, 0.0, 6.0, 3000.0, 2100.0),
    ("never below the floor", None, 0.0, 60.0, 100.0, FLOOR),
    ("still over the target after the hold: cut again, from the limit", 2100.0, T, 8.0, 2100.0,
     1470.0),
    ("sending below the limit: cut from what was sent", 2100.0, T, 8.0, 1000.0, 700.0),
    ("over the target within the hold after a cut: hold", 2100.0, T + 1, 9.0, 2100.0, 2100.0),
    ("between half the target and the target: hold", 2100.0, 0.0, 3.0, 2100.0, 2100.0),
    ("under half the target: a quarter more", 2000.0, 0.0, 1.0, 2000.0, 2500.0),
    ("under half the target, sending under half the limit: lifted", 2000.0, 0.0, 1.0, 900.0,
     None),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "before", "hold", "lag", "sent", "after"), RULES)
def test_flow_rules(
    rule: str, before: float | None, hold: float, lag: float, sent: float, after: float | None
) -> None:
    flow = FlowControl(TARGET, FLOOR, rate=before, hold_until_s=hold)
    assert flow.update(lag, sent, T) == (pytest.approx(after) if after is not None else None), rule


def test_a_cut_holds_for_the_lag_it_was_made_at() -> None:
    flow = FlowControl(TARGET, FLOOR)
    assert flow.update(8.0, 3000.0, T) == pytest.approx(2100.0)
    assert flow.update(12.0, 2100.0, T + 7.9) == pytest.approx(2100.0)  # its effect not seen yet
    assert flow.update(12.0, 2100.0, T + 8.0) == pytest.approx(1470.0)


def test_a_target_of_zero_turns_flow_control_off() -> None:
    flow = FlowControl(0.0, FLOOR, rate=500.0)
    assert flow.update(600.0, 3000.0, T) is None


def test_a_lag_that_stays_high_cuts_down_to_the_floor_then_recovers() -> None:
    flow = FlowControl(TARGET, FLOOR)
    rates = [flow.update(6.0, flow.rate or 3000.0, T + 10 * i) for i in range(12)]
    assert rates == sorted(rates, key=lambda r: -(r or 0))  # only down while over the target
    assert rates[-1] == FLOOR
    for i in range(30):
        flow.update(0.5, flow.rate or 0.0, T + 200 + i)
    assert flow.rate is not None
    assert flow.rate > 3000.0  # grown back past the rate sent before the lag
    assert flow.update(0.5, 0.0, T + 300) is None  # no demand: lifted


SECOND = 1_000_000
NOW = 1_800_000_000 * SECOND


async def _rows(db: Database) -> None:
    async with db.transaction() as tx:
        # Status events: 3 s from the vendor to applied lately (one old retry at 500 s does
        # not move the median), and an event applied a minute ago (not recent) of 100 s.
        # Mailgun's events (history only) do not count, however late.
        call = "voxology-call"
        events = [(1, f"k{i}", 3, NOW - 3 * SECOND - i, NOW - i, call) for i in range(10)]
        events.append((1, "retry", 3, NOW - 500 * SECOND, NOW, "voxology-sms"))
        events.insert(0, (1, "old", 3, NOW - 160 * SECOND, NOW - 60 * SECOND, call))
        events += [(1, f"m{i}", 0, NOW - 900 * SECOND, NOW, "mailgun") for i in range(20)]
        await tx.executemany(
            "INSERT INTO attempt_events (attempt_id, event_key, status, event_time,"
            " applied_time, source) VALUES (?, ?, ?, ?, ?, ?)",
            events,
        )
        # Callbacks applied 1 s after the edge took them lately (one of 30 s a minute ago is
        # not recent); one inbound text waiting 2 s for the worker.
        await tx.executemany(
            "INSERT INTO webhook_journal (vendor, kind, body, received_time, state,"
            " applied_time) VALUES ('voxology', 'call', ?, ?, 1, ?)",
            [(b"{}", NOW - 90 * SECOND, NOW - 60 * SECOND)]
            + [(b"{}", NOW - SECOND - i, NOW - i) for i in range(5)],
        )
        await tx.execute(
            "INSERT INTO webhook_journal (vendor, kind, body, received_time, state)"
            " VALUES ('voxology', 'inbound', ?, ?, 0)",
            (b"{}", NOW - 2 * SECOND),
        )
        await tx.executemany(
            "INSERT INTO attempt_outcomes (attempt_id, status, status_time, applied_time,"
            " consumed) VALUES (?, 3, 0, ?, ?)",
            [(1, NOW - 4 * SECOND, 0), (2, NOW - 80 * SECOND, 1)],
        )


async def test_the_lag_is_measured_from_the_store(migrated: Database) -> None:
    db = migrated
    assert await measure_lag(db, NOW) == Lag()
    await _rows(db)
    lag = await measure_lag(db, NOW)
    assert lag == Lag(apply_s=1.0, journal_s=2.0, settle_s=4.0, callbacks_s=3.0)
    assert lag.seconds == 4.0
    # The vendor's side alone does not set the limit.
    assert Lag(callbacks_s=300.0).seconds == 0.0


async def test_a_backlog_longer_than_the_rows_read_is_aged_from_its_oldest_row(
    migrated: Database,
) -> None:
    async with migrated.transaction() as tx:
        # Every one of the newest rows waits: the oldest waiting row is further back.
        waiting = RECENT_EVENTS + 50
        await tx.executemany(
            "INSERT INTO webhook_journal (vendor, kind, body, received_time, state)"
            " VALUES ('voxology', 'call', ?, ?, 0)",
            [(b"{}", NOW - (waiting - i) * SECOND) for i in range(waiting)],
        )
    lag = await measure_lag(migrated, NOW)
    assert lag.journal_s == float(waiting)
