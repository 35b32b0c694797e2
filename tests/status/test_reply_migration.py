"""Migration 0040 turns Text Opt In / Opt Out entries written before it into replies."""

from __future__ import annotations

from pathlib import Path

from smlog.store import SqliteDatabase, migrate
from smlog.store.migrations import load_migrations


async def test_old_entries_become_replies_without_delivery_rows(tmp_path: Path) -> None:
    db = await SqliteDatabase.open(str(tmp_path / "old.db"))
    try:
        async with db.transaction() as tx:
            await tx.execute(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                " applied_time BIGINT NOT NULL)"
            )
            for migration in load_migrations():
                if migration.version >= 40:
                    continue
                for statement in migration.statements():
                    await tx.execute(statement)
                await tx.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, 0)",
                    (migration.version, migration.name),
                )
            # An entry as the status service wrote it before: one recipient, one target.
            await tx.execute(
                "INSERT INTO districts (id, name, time_zone, sms_short_code)"
                " VALUES (1, 'D', 'UTC', '55555')"
            )
            await tx.execute(
                "INSERT INTO messages (id, district_id, request_id, created_by_user_id,"
                " created_by_name, message_type, subject, subject_folded, delivery_modes,"
                " content_json, status, create_time, sent_time, end_time, total_recipients)"
                " VALUES (7, 1, 'sms-reply:e1', 'sms-reply', 'Recipient reply', 5,"
                " 'Text Opt Out: STOP', 'text opt out: stop', 16, '{}', 2, 5, 5, 5, 1)"
            )
            await tx.execute(
                "INSERT INTO recipients (id, message_id, person_id, name)"
                " VALUES (3, 7, 'sms-reply', 'Maria Diaz')"
            )
            await tx.execute(
                "INSERT INTO targets (message_id, recipient_id, mode, address, is_first_device,"
                " priority, status, status_group, status_time, is_final, attempt_count,"
                " vendor_detail) VALUES (7, 3, 4, '+15555550199', 1, 2, 14, 1, 5, 1, 0, 'STOP')"
            )
            await tx.execute(
                "INSERT INTO message_mode_stats (message_id, mode, total_devices,"
                " total_successful) VALUES (7, 4, 1, 1)"
            )
        assert await migrate(db) == [v.version for v in load_migrations() if v.version >= 40]
        reply = await db.fetch_one("SELECT * FROM sms_replies WHERE message_id = 7")
        assert reply is not None
        assert (reply["phone"], reply["keyword"], reply["recipient_name"]) == (
            "+15555550199",
            "STOP",
            "Maria Diaz",
        )
        assert (reply["short_code"], reply["receive_time"]) == ("55555", 5)
        for table in ("recipients", "targets", "message_mode_stats"):
            assert await db.fetch_all(f"SELECT 1 FROM {table}") == [], table
        total = await db.fetch_one(
            "SELECT total_recipients, subject, subject_folded FROM messages WHERE id = 7"
        )
        assert total is not None
        assert tuple(total) == (
            0,
            "Text Opt Out: STOP from (***) ***-0199",
            "text opt out: stop from (***) ***-0199",
        )
    finally:
        await db.close()
