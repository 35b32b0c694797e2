"""A vendor's answer and its callbacks, in either order.

Dispatch dies after the vendor accepted calls but before it wrote down their references, and
their callbacks make the attempts final meanwhile: the restarted process still learns each
attempt's vendor reference and request time (the vendor replays its first answer to the same
key), and places no call twice. And while dispatch lives, a message closes only after the
answers of its attempts are written."""

from __future__ import annotations

import asyncio

from smlog.v1 import common_pb2 as c
from tests.dispatch.people import M, person, phone
from tests.support.dispatch import Harness
from tests.support.waiting import wait_for

V = M.DELIVERY_MODE_VOICE
MS = c.MessageStatus
N = 20


async def test_final_attempts_without_their_vendor_answer_get_it_at_restart(make: object) -> None:
    h: Harness = await make()  # type: ignore[operator]
    assert h.host is not None
    h.engine.faults.answers_unwritten = True  # the answers are lost with the process
    people = [person(f"p{i}", phone(f"+1555559{i:04d}", modes=(V,))) for i in range(N)]
    message_id = await h.send(people, [V])

    async def all_final() -> bool:
        row = await h.db.fetch_one(
            "SELECT count(*) FROM attempts WHERE message_id = ? AND is_final = 1", (message_id,)
        )
        return row is not None and int(row[0]) == N

    await wait_for(all_final)
    row = await h.db.fetch_one("SELECT count(*) FROM attempts WHERE request_time IS NULL")
    assert row is not None
    assert int(row[0]) == N, "the answers were written after all"
    await h.kill_dispatch()
    await h.start_dispatch()

    async def referenced() -> bool:
        row = await h.db.fetch_one(
            "SELECT count(*) FROM attempts WHERE vendor_reference IS NOT NULL"
            " AND request_time IS NOT NULL"
        )
        return row is not None and int(row[0]) == N

    await wait_for(referenced)
    stats = await h.sim_stats("voxology")
    assert stats["accepted"] == {"call": N}
    assert stats["duplicates_replayed"] == N


async def test_a_message_closes_only_after_its_vendor_answers_are_written(make: object) -> None:
    """Callbacks can overtake the vendor's answer: their outcomes wait in the outbox until
    the answer is written, so a closed message never has an attempt without its reference."""
    h: Harness = await make()  # type: ignore[operator]
    assert h.host is not None
    h.engine.faults.answers_unwritten = True
    people = [person(f"p{i}", phone(f"+1555558{i:04d}", modes=(V,))) for i in range(N)]
    message_id = await h.send(people, [V])

    async def outbox_full() -> bool:
        row = await h.db.fetch_one("SELECT count(*) FROM attempt_outcomes")
        return row is not None and int(row[0]) == N

    await wait_for(outbox_full)
    await asyncio.sleep(0.3)  # six outcome polls
    row = await h.db.fetch_one(
        "SELECT m.status, (SELECT count(*) FROM attempt_outcomes WHERE consumed = 1)"
        " FROM messages m WHERE m.id = ?",
        (message_id,),
    )
    assert row is not None
    assert (row[0], row[1]) == (MS.MESSAGE_STATUS_IN_PROGRESS, 0)
    h.engine.faults.answers_unwritten = False
    await h.finished(message_id)
    row = await h.db.fetch_one(
        "SELECT count(*) FROM attempts WHERE message_id = ? AND vendor_reference IS NULL",
        (message_id,),
    )
    assert row is not None
    assert int(row[0]) == 0
