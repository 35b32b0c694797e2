"""The store's contract tests run on every backend: SQLite always, PostgreSQL when the run
has a server (``tests/pgserver.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from smlog.store.opening import connect
from tests.pgserver import throwaway_database


@pytest.fixture(params=["sqlite", "postgres"])
async def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'contract.db'}"
        return
    async with throwaway_database() as url:
        yield url


@pytest.fixture
async def db(store_url: str) -> AsyncIterator[object]:
    database = await connect(store_url)
    try:
        yield database
    finally:
        await database.close()
