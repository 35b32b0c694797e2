"""Several dispatch workers on one store, at the store level: each worker has a connection pool
of its own (as a process does), and their claims, takeovers and drains run at once.

On PostgreSQL (the second pass) the workers really write at once, and only the row locks
(``FOR UPDATE SKIP LOCKED``) and the leases keep them apart; on SQLite their write
transactions take turns, and the same properties must hold too."""

from __future__ import annotations

import asyncio
from collections import Counter

from prometheus_client import REGISTRY

from smlog.auth import Caller, Right
from smlog.config import Settings
from smlog.services.dispatch import accept
from smlog.services.dispatch.cancel import cancel_message
from smlog.services.dispatch.catalog import Catalog
from smlog.services.dispatch.claim import claim_due
from smlog.services.dispatch.lease import Lease, renew, take_over
from smlog.services.dispatch.policy import DispatchPolicy
from smlog.services.dispatch.pools import Job
from smlog.services.dispatch.settle import drain_outcomes
from smlog.services.dispatch.start import start_dispatch
from smlog.store import Database, migrate
from smlog.store.opening import connect
from smlog.v1 import common_pb2 as c
from smlog.v1 import dispatch_pb2 as d
from tests.dispatch.people import M, person, phone
from tests.support.dispatch import store_district

V = M.DELIVERY_MODE_VOICE
T = M.DELIVERY_MODE_TEXT
S = c.DeviceStatus
START_US = 1_000_000
PEOPLE = 120


def _takeovers() -> float:
    labels = {"kind": "attempt"}
    return REGISTRY.get_sample_value("smlog_dispatch_lease_takeovers_total", labels) or 0.0


async def _campaign(settings: Settings, people: int = PEOPLE) -> int:
    """A started emergency campaign, every person one phone for voice and text."""
    db = await connect(settings.store_url())
    try:
        await migrate(db)
        caller = Caller(user_id="u", district_id=1, rights=frozenset(Right))
        await store_district(db, caller)
        draft = d.MessageDraft(
            message_type=c.MessageType.MESSAGE_TYPE_EMERGENCY,
            subject="s",
            delivery_modes=[V, T],
            content=c.MessageContent(voice_script="x", text_body="y"),
        )
        message_id, _, _ = await accept.create_message(db, caller, "r", draft, START_US)
        numbers = [person(f"p{i}", phone(f"+1555{200 + i:03d}{i:04d}")) for i in range(people)]
        await accept.add_recipients(db, message_id, numbers)
        await start_dispatch(db, message_id, START_US)
        return message_id
    finally:
        await db.close()


async def _workers(settings: Settings, n: int) -> list[Database]:
    return [await connect(settings.store_url(), pool_size=3) for _ in range(n)]


async def _claim_all(db: Database, settings: Settings, lease: Lease) -> list[Job]:
    """Claim in small batches until nothing is due (one worker's scheduler)."""
    catalog, policy = Catalog(db), DispatchPolicy.from_settings(settings)
    jobs: list[Job] = []
    while True:
        claim = await claim_due(db, catalog, policy, START_US + 1, {V: 7, T: 7}, 1000, lease)
        jobs += claim.jobs
        if not claim.jobs:
            return jobs
        await asyncio.sleep(0)


async def test_two_claimers_never_claim_the_same_target(settings: Settings) -> None:
    await _campaign(settings)
    dbs = await _workers(settings, 3)
    try:
        claimed = await asyncio.gather(
            *(_claim_all(db, settings, Lease(f"w{i}", 30)) for i, db in enumerate(dbs))
        )
        rows = await dbs[0].fetch_all(
            "SELECT id, target_id, claimed_by, idempotency_key FROM attempts"
        )
    finally:
        for db in dbs:
            await db.close()
    ids = [a for jobs in claimed for job in jobs for a in job.attempt_ids]
    assert len(ids) == len(set(ids)) == 2 * PEOPLE
    assert sorted(int(r["id"]) for r in rows) == sorted(ids)
    assert len({int(r["target_id"]) for r in rows}) == 2 * PEOPLE  # one attempt per target
    # Every attempt belongs to the worker whose claim returned it; its key derives from its id.
    owner = {a: f"w{i}" for i, jobs in enumerate(claimed) for job in jobs for a in job.attempt_ids}
    assert {int(r["id"]): str(r["claimed_by"]) for r in rows} == owner
    assert all(str(r["idempotency_key"]) == f"smlog-a{int(r['id'])}" for r in rows)


async def test_an_expired_lease_is_taken_over_once_with_the_same_keys(settings: Settings) -> None:
    await _campaign(settings, people=30)
    dead, b, c_ = await _workers(settings, 3)
    try:
        sent = await _claim_all(dead, settings, Lease("dead", 2))  # then killed: never renews
        keys = {job.idempotency_key for job in sent}
        live = START_US + 1_000_000  # within the dead worker's lease: nothing to take
        assert (await take_over(b, Lease("b", 2), live, 100)).jobs == []
        before = _takeovers()
        later = START_US + 5_000_000
        taken_b, taken_c = await asyncio.gather(
            take_over(b, Lease("b", 2), later, 17), take_over(c_, Lease("c", 2), later, 17)
        )
        more = await take_over(b, Lease("b", 2), later, 100)  # the rest, after the batches
        assert await renew(dead, Lease("dead", 2), START_US + 1) == 0  # nothing left to renew
        owners = Counter(str(r[0]) for r in await b.fetch_all("SELECT claimed_by FROM attempts"))
    finally:
        for db in (dead, b, c_):
            await db.close()
    jobs = taken_b.jobs + taken_c.jobs + more.jobs
    taken = [job.idempotency_key for job in jobs]
    assert len(taken) == len(set(taken)) == 60  # no attempt taken by two workers
    assert set(taken) == keys  # re-sent with the keys the dead worker used
    assert _takeovers() - before == 60
    assert owners["dead"] == 0
    assert owners["b"] + owners["c"] == 60
    # All counted as taken from another worker (the lease takeover metric counts the same).
    assert taken_b.attempts + taken_c.attempts + more.attempts == 60


async def test_an_outcome_is_settled_once_with_concurrent_drainers(settings: Settings) -> None:
    message_id = await _campaign(settings)
    dbs = await _workers(settings, 3)
    try:
        await _claim_all(dbs[0], settings, Lease("w0", 30))
        async with dbs[0].transaction() as tx:
            # Every attempt answered and made final by the vendor: the status service's outbox.
            await tx.execute(
                "UPDATE attempts SET request_time = ?, vendor_reference = 'r', status = ?,"
                " status_time = ?, is_final = 1",
                (START_US + 2, S.DEVICE_STATUS_DELIVERED, START_US + 3),
            )
            await tx.execute(
                "INSERT INTO attempt_outcomes (attempt_id, status, status_time, consumed)"
                " SELECT id, status, status_time, 0 FROM attempts"
            )
        policy = DispatchPolicy.from_settings(settings)

        async def drain(db: Database, worker: str) -> int:
            total = 0
            while True:
                count, _, _ = await drain_outcomes(
                    db, policy, 9, worker=worker, now_us=START_US + 4
                )
                if count == 0:
                    return total
                total += count

        drained = await asyncio.gather(*(drain(db, f"w{i}") for i, db in enumerate(dbs)))
        stats = await dbs[0].fetch_all(
            "SELECT total_successful, total_error FROM message_mode_stats WHERE message_id = ?",
            (message_id,),
        )
        message = await dbs[0].fetch_one(
            "SELECT status, pending_targets FROM messages WHERE id = ?", (message_id,)
        )
    finally:
        for db in dbs:
            await db.close()
    assert sum(drained) == 2 * PEOPLE  # each outcome consumed by exactly one drainer
    assert [(int(r[0]), int(r[1])) for r in stats] == [(PEOPLE, 0), (PEOPLE, 0)]
    assert message is not None
    assert (int(message[0]), int(message[1])) == (c.MESSAGE_STATUS_SENT, 0)


async def test_a_cancel_leaves_another_workers_claims_to_that_worker(settings: Settings) -> None:
    message_id = await _campaign(settings, people=20)
    a, b = await _workers(settings, 2)
    policy = DispatchPolicy.from_settings(settings)
    canceled = "SELECT count(*) FROM attempts WHERE message_id = ? AND status = ?"
    try:
        jobs = await _claim_all(a, settings, Lease("a", 30))
        sending = jobs[0].attempt_ids[0]  # worker a's request for it is on its way
        await cancel_message(b, message_id, policy, START_US + 2, set(), "b")
        # b cannot know which of a's claims a is sending: it closes none of them.
        row = await b.fetch_one(canceled, (message_id, S.DEVICE_STATUS_CANCELED))
        assert row is not None
        assert int(row[0]) == 0
        # Told of the cancel, a closes what it holds and is not sending.
        await cancel_message(a, message_id, policy, START_US + 3, {sending}, "a", again=True)
        row = await a.fetch_one(canceled, (message_id, S.DEVICE_STATUS_CANCELED))
        open_ = await a.fetch_all(
            "SELECT id FROM attempts WHERE message_id = ? AND is_final = 0", (message_id,)
        )
        cancel_time = await a.fetch_one(
            "SELECT cancel_time FROM messages WHERE id = ?", (message_id,)
        )
    finally:
        await a.close()
        await b.close()
    assert row is not None
    assert int(row[0]) == 2 * 20 - 1
    assert [int(r[0]) for r in open_] == [sending]
    assert cancel_time is not None
    assert int(cancel_time[0]) == START_US + 2
