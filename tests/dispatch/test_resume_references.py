"""Dispatch dies after the vendor accepted calls but before it wrote down their references,
and their callbacks make the attempts final meanwhile: the restarted process still learns
each attempt's vendor reference and request time (the vendor replays its first answer to the
same key), and places no call twice."""

from __future__ import annotations

from tests.dispatch.harness import Harness, wait_for
from tests.dispatch.people import M, person, phone

V = M.DELIVERY_MODE_VOICE
N = 20


async def _nothing() -> None:
    return None


async def test_final_attempts_without_their_vendor_answer_get_it_at_restart(make: object) -> None:
    h: Harness = await make()  # type: ignore[operator]
    assert h.host is not None
    h.host.parts.components[0].writer.flush = _nothing  # type: ignore[attr-defined]
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
