"""The subject search's trigram index stays in step with messages on every backend: the FTS5
table on SQLite, the ``message_subjects`` copy on PostgreSQL (migration 0130). A message is
found once inserted (one by one or by COPY), carries its sent time once dispatch sets it, and
is gone once deleted."""

from __future__ import annotations

from typing import Any

from smlog.store import migrate
from smlog.store.search import messages_by_id_lookup, subject_candidates, subject_contains

_COLUMNS = (
    "id", "district_id", "request_id", "created_by_user_id", "created_by_name", "message_type",
    "subject", "subject_folded", "delivery_modes", "content_json", "status", "create_time",
)  # fmt: skip


def _message(message_id: int, subject: str) -> tuple[Any, ...]:
    return (message_id, 1, f"r{message_id}", "u1", "U", 1, subject, subject.lower(), 2, "{}", 6, 10)


async def _found(db: Any, text: str) -> dict[int, Any]:
    """Each message the trigram path finds for ``text``: id -> sent time."""
    source, where, params = subject_candidates(
        db.dialect, text, messages_by_id_lookup(db.dialect, "m"), covered=True
    )
    where = [*where, subject_contains(db.dialect, "m.subject_folded")]
    rows = await db.fetch_all(
        f"SELECT m.id, m.sent_time FROM {source} WHERE {' AND '.join(where)}",
        [*params, text],
    )
    return {int(r["id"]): r["sent_time"] for r in rows}


async def test_the_trigram_path_follows_inserts_updates_and_deletes(db: Any) -> None:
    await migrate(db)
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO districts (id, name, time_zone) VALUES (?, ?, ?)", (1, "A", "UTC")
        )
        await tx.execute(
            f"INSERT INTO messages ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * 12)})",
            _message(1, "Snow Day Closing"),
        )
        await tx.copy_rows(
            "messages",
            _COLUMNS,
            [_message(2, "Snowstorm update"), _message(3, "Bus late"), _message(4, "No snow")],
        )
    assert await _found(db, "snow") == {1: None, 2: None, 4: None}
    assert await _found(db, "bus late") == {3: None}

    async with db.transaction() as tx:
        await tx.execute("UPDATE messages SET sent_time = ?, status = ? WHERE id = ?", (99, 1, 2))
        await tx.execute("UPDATE messages SET subject_folded = ? WHERE id = ?", ("sunny", 4))
    assert await _found(db, "snow") == {1: None, 2: 99}
    assert await _found(db, "sunny") == {4: None}

    async with db.transaction() as tx:
        await tx.execute("DELETE FROM messages WHERE id IN (?, ?)", (1, 3))
    assert await _found(db, "snow") == {2: 99}
    assert await _found(db, "bus late") == {}
