"""``fetch_in`` reads an ``IN (...)`` list of any length on every backend."""

from __future__ import annotations

from typing import Any

import pytest

from smlog.store import chunked, fetch_in, in_marks, migrate


async def test_a_long_list_is_read_in_chunks_with_the_parameters_around_it(db: Any) -> None:
    await migrate(db)
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO districts (id, name, time_zone) VALUES (?, ?, ?)",
            [(i, f"d{i}", "UTC" if i % 2 else "America/Chicago") for i in range(1, 1201)],
        )
    wanted = list(range(1, 1201, 1))
    rows = await fetch_in(
        db,
        "SELECT id FROM districts WHERE time_zone = ? AND id IN ({marks}) AND id > ?",
        wanted,
        before=("UTC",),
        after=(10,),
        size=500,
    )
    assert sorted(int(r["id"]) for r in rows) == [i for i in wanted if i % 2 and i > 10]
    assert await fetch_in(db, "SELECT id FROM districts WHERE id IN ({marks})", []) == []
    # A value is a parameter, never SQL: a quote in it matches nothing and breaks nothing.
    assert (
        await fetch_in(db, "SELECT id FROM districts WHERE name IN ({marks})", ["d1' OR '1"]) == []
    )


def test_chunks_cover_the_list_in_order() -> None:
    assert [list(c) for c in chunked(list(range(7)), 3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert in_marks(3) == "?,?,?"
    with pytest.raises(ValueError, match="at least one"):
        in_marks(0)
