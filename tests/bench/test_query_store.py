"""``smlog bench query --db postgres --pg-db NAME``: the seeded store is kept and reused."""

from __future__ import annotations

import argparse
import secrets
from pathlib import Path

import pytest

from smlog.bench.command import named_database, seeded_log_store
from smlog.config import Settings
from smlog.errors import ConfigError
from smlog.store import open_database
from smlog.store.throwaway import drop_database
from tests.pgserver import SKIP_REASON, admin_url


async def _messages(settings: Settings) -> int:
    db = await open_database(settings)
    try:
        row = await db.fetch_one("SELECT count(*) FROM messages")
    finally:
        await db.close()
    assert row is not None
    return int(row[0])


async def test_a_named_store_is_seeded_once_then_reused(tmp_path: Path) -> None:
    admin = admin_url()
    if admin is None:
        pytest.skip(SKIP_REASON)
    name = f"smlog_test_{secrets.token_hex(6)}"  # this test's own database, dropped below
    args = argparse.Namespace(
        scale=1, messages=30, attempts=300, quick=False, dir=tmp_path,
        backend="postgres", pg_db=name, pg_url=admin,
    )  # fmt: skip
    try:
        url = await named_database(admin, name)
        assert await named_database(admin, name) == url  # there already: the same database
        settings = Settings.load().replace(db_url=url)
        seeded, messages, _ = await seeded_log_store(args, settings)
        assert (messages, await _messages(seeded)) == (30, 30)
        # A second run reuses the store (seeding it again would repeat its ids and fail).
        again, _, _ = await seeded_log_store(args, settings)
        assert await _messages(again) == 30
        args.messages = 40  # another size: refused rather than mixed into this store
        with pytest.raises(ConfigError, match="holds 30 messages, not 40"):
            await seeded_log_store(args, settings)
    finally:
        await drop_database(admin, name)
