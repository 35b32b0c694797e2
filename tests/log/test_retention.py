"""Retention per district: the purge removes exactly the messages past the period, leaves the
rest byte-identical through the log API, resumes after a crash without orphans, and purged
messages answer NOT_FOUND in the log, the detail and the report's query."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest

from smlog.auth import Caller, Right
from smlog.errors import NotFoundError
from smlog.readmodel import DeliveryQuery, viewer_of
from smlog.services.dispatch.retention import TABLES, Purger, purge_pass
from smlog.store import Database, Transaction
from smlog.v1.common_pb2 import MessageStatus
from smlog.v1.log_pb2 import GetMessageRequest, ListDeliveriesRequest
from tests.support.builders import DAY, EMAIL, T0, VOICE, Device, Person, add_campaign, add_district
from tests.support.log import LogEnv, rpc_error
from tests.support.rights import ALL

NOW = T0 + 40 * DAY
CUTOFF = NOW - 30 * DAY  # district 1 keeps 30 days


def people(tag: str) -> list[Person]:
    return [
        Person(
            f"Ann {tag}",
            devices=[
                Device(VOICE, "+15555550101", ["busy", "completed"]),
                Device(EMAIL, f"ann.{tag}@example.org", ["sent"]),
            ],
        ),
        Person(f"Ben {tag}", devices=[Device(VOICE, "+15555550102", ["failed"])]),
        Person(f"Eve {tag}"),  # No Device
    ]


async def message(db: Database, district: int, tag: str, end_time: int | None) -> int:
    mid = await add_campaign(
        db, district_id=district, recipients=people(tag), sent_time=T0, subject=tag
    )
    async with db.transaction() as tx:
        if end_time is None:
            await tx.execute(
                "UPDATE messages SET status = ?, end_time = NULL WHERE id = ?",
                (MessageStatus.MESSAGE_STATUS_IN_PROGRESS, mid),
            )
        else:
            await tx.execute("UPDATE messages SET end_time = ? WHERE id = ?", (end_time, mid))
        # The rows other services keep per attempt: events, outcomes, journal, inbox.
        attempts = await tx.fetch_all("SELECT id FROM attempts WHERE message_id = ?", (mid,))
        for (aid,) in attempts:
            await tx.execute(
                "INSERT INTO attempt_events (attempt_id, event_key, status, event_time,"
                " applied_time) VALUES (?, ?, 5, 0, 0)",
                (aid, f"e-{aid}"),
            )
            await tx.execute(
                "INSERT INTO attempt_outcomes (attempt_id, status, status_time) VALUES (?, 5, 0)",
                (aid,),
            )
            await tx.execute(
                "INSERT INTO webhook_journal (vendor, kind, body, received_time, attempt_id)"
                " VALUES ('voxology', 'call', ?, 0, ?)",
                (b"{}", aid),
            )
            await tx.execute(
                "INSERT INTO inbox_items (attempt_id, message_id, portal_account, subject, body,"
                " create_time) VALUES (?, ?, 'acct', 's', 'b', 0)",
                (aid, mid),
            )
    return mid


async def seed(db: Database) -> dict[str, int]:
    await add_district(db, 1)
    await add_district(db, 2)
    async with db.transaction() as tx:
        await tx.execute("UPDATE districts SET retention_days = 30 WHERE id = 1")
    return {
        "old": await message(db, 1, "old", CUTOFF - 1),  # ended 30 days + 1 µs ago: purged
        "older": await message(db, 1, "older", CUTOFF - 5 * DAY),  # purged
        "edge": await message(db, 1, "edge", CUTOFF),  # exactly 30 days ago: kept
        "newer": await message(db, 1, "newer", CUTOFF + 1),  # kept
        "sending": await message(db, 1, "sending", None),  # in progress since T0: kept
        "forever": await message(db, 2, "forever", T0),  # district 2 keeps forever
    }


ORPHANS = {
    "recipients": "SELECT count(*) FROM recipients"
    " WHERE message_id NOT IN (SELECT id FROM messages)",
    "targets": "SELECT count(*) FROM targets WHERE message_id NOT IN (SELECT id FROM messages)"
    " OR recipient_id NOT IN (SELECT id FROM recipients)",
    "attempts": "SELECT count(*) FROM attempts WHERE target_id NOT IN (SELECT id FROM targets)",
    "attempt_events": "SELECT count(*) FROM attempt_events"
    " WHERE attempt_id NOT IN (SELECT id FROM attempts)",
    "attempt_outcomes": "SELECT count(*) FROM attempt_outcomes"
    " WHERE attempt_id NOT IN (SELECT id FROM attempts)",
    "webhook_journal": "SELECT count(*) FROM webhook_journal"
    " WHERE attempt_id NOT IN (SELECT id FROM attempts)",
    "inbox_items": "SELECT count(*) FROM inbox_items"
    " WHERE message_id NOT IN (SELECT id FROM messages)",
    "message_mode_stats": "SELECT count(*) FROM message_mode_stats"
    " WHERE message_id NOT IN (SELECT id FROM messages)",
}


async def orphans(db: Database) -> dict[str, int]:
    found = {}
    for table, sql in ORPHANS.items():
        row = await db.fetch_one(sql)
        assert row is not None
        found[table] = int(row[0])
    return found


async def rows_of(db: Database, ids: list[int]) -> dict[str, int]:
    """Rows in every purged table that belong to the messages ``ids``."""
    marks = ",".join("?" * len(ids))
    attempts = f"SELECT id FROM attempts WHERE message_id IN ({marks})"
    queries = {
        "messages": f"SELECT count(*) FROM messages WHERE id IN ({marks})",
        "recipients": f"SELECT count(*) FROM recipients WHERE message_id IN ({marks})",
        "targets": f"SELECT count(*) FROM targets WHERE message_id IN ({marks})",
        "attempts": f"SELECT count(*) FROM attempts WHERE message_id IN ({marks})",
        "message_mode_stats": "SELECT count(*) FROM message_mode_stats"
        f" WHERE message_id IN ({marks})",
        "inbox_items": f"SELECT count(*) FROM inbox_items WHERE message_id IN ({marks})",
        **{
            t: f"SELECT count(*) FROM {t} WHERE attempt_id IN ({attempts})"
            for t in ("attempt_events", "attempt_outcomes", "webhook_journal")
        },
    }
    counts = {}
    for table, sql in queries.items():
        row = await db.fetch_one(sql, ids)
        assert row is not None
        if int(row[0]):
            counts[table] = int(row[0])
    return counts


async def log_view(env: LogEnv, ids: dict[str, int]) -> dict[str, bytes]:
    """Every kept message as the log API shows it: detail and recipient rows, as bytes."""
    view = {}
    for tag, mid in ids.items():
        stub = env.stub(district=2 if tag == "forever" else 1)
        deliveries = await stub.ListDeliveries(ListDeliveriesRequest(message_id=mid))
        view[f"{tag}/deliveries"] = deliveries.SerializeToString(deterministic=True)
        if tag != "sending":  # an in-progress message's duration grows with the clock
            detail = await stub.GetMessage(GetMessageRequest(message_id=mid))
            view[f"{tag}/detail"] = detail.SerializeToString(deterministic=True)
    return view


async def test_purge_removes_exactly_what_is_past_the_period(env: LogEnv) -> None:
    ids = await seed(env.db)
    kept = {k: v for k, v in ids.items() if k not in ("old", "older")}
    before = await log_view(env, kept)
    doomed = await rows_of(env.db, [ids["old"], ids["older"]])
    assert doomed["attempt_events"] > 0

    # The dispatch process's component: a pass, then the space given back.
    result = await Purger(env.db, lambda: NOW, interval_seconds=0).run_once()

    assert sorted(result.messages) == sorted([ids["old"], ids["older"]])
    assert result.rows == doomed  # every row of the two messages, each counted once
    assert await rows_of(env.db, [ids["old"], ids["older"]]) == {}
    assert await log_view(env, kept) == before  # the rest byte-identical
    assert set((await orphans(env.db)).values()) == {0}
    again = await purge_pass(env.db, NOW)
    assert (again.messages, again.rows) == ([], {})

    stub = env.stub()
    for mid in (ids["old"], ids["older"]):
        err = await rpc_error(stub.GetMessage(GetMessageRequest(message_id=mid)))
        assert err.code() == grpc.StatusCode.NOT_FOUND
        err = await rpc_error(stub.ListDeliveries(ListDeliveriesRequest(message_id=mid)))
        assert err.code() == grpc.StatusCode.NOT_FOUND
        viewer = viewer_of(Caller("alice", district_id=1, rights=frozenset(Right(r) for r in ALL)))
        with pytest.raises(NotFoundError):  # the report's query: Build Report is NOT_FOUND
            await DeliveryQuery.open(env.db, viewer, mid)


class Crash(Exception):
    pass


class CrashingStore:
    """The store, failing at the start of its ``fail_at``-th write transaction (a crash)."""

    def __init__(self, db: Database, fail_at: int) -> None:
        self._db = db
        self._left = fail_at
        self.dialect = db.dialect

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        self._left -= 1
        if self._left == 0:
            raise Crash
        async with self._db.transaction() as tx:
            yield tx


@pytest.mark.parametrize("fail_at", [1, 2, 4, 7])
async def test_a_crash_mid_purge_resumes_without_orphans_or_double_deletes(
    env: LogEnv, fail_at: int
) -> None:
    ids = await seed(env.db)
    kept = {k: v for k, v in ids.items() if k not in ("old", "older")}
    before = await log_view(env, kept)
    doomed = await rows_of(env.db, [ids["old"], ids["older"]])

    crashing = CrashingStore(env.db, fail_at)
    with pytest.raises(Crash):
        await purge_pass(crashing, NOW, batch=1)  # type: ignore[arg-type]
    # What the crashed pass committed is gone; its counters are not known to the test, so
    # the proof of "nothing twice" is the resumed pass deleting exactly what was left.
    left = await rows_of(env.db, [ids["old"], ids["older"]])
    assert (left == doomed) == (fail_at == 1)  # the crash came mid-purge, after some deletes
    assert set((await orphans(env.db)).values()) == {0}
    resumed = await purge_pass(env.db, NOW, batch=1)
    assert resumed.rows == left
    assert sum(doomed.values()) >= sum(left.values())
    assert await rows_of(env.db, [ids["old"], ids["older"]]) == {}
    assert set((await orphans(env.db)).values()) == {0}
    assert await log_view(env, kept) == before


async def test_every_table_with_message_or_attempt_rows_is_purged(env: LogEnv) -> None:
    if env.db.dialect == "sqlite":
        tables = [
            str(r[0])
            for r in await env.db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        columns = []
        for table in tables:
            info = await env.db.fetch_all(f"SELECT name FROM pragma_table_info('{table}')")
            columns += [(table, str(c[0])) for c in info]
    else:
        rows = await env.db.fetch_all(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema()"
        )
        columns = [(str(r[0]), str(r[1])) for r in rows]
    holding = {t for t, c in columns if c in ("message_id", "attempt_id")} | {"messages"}
    assert holding <= set(TABLES), holding - set(TABLES)
