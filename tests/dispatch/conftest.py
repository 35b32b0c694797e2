"""Dispatch tests run against the harness of ``tests/support/dispatch.py``; tests of one store
function take ``migrated``, the test's store with its schema and nothing else."""

from collections.abc import AsyncIterator

import pytest

from smlog.config import Settings
from smlog.store import Database, migrate
from smlog.store.opening import connect
from tests.support.dispatch import h, make  # noqa: F401 - fixtures used by these tests


@pytest.fixture
async def migrated(settings: Settings) -> AsyncIterator[Database]:
    db = await connect(settings.store_url())
    try:
        await migrate(db)
        yield db
    finally:
        await db.close()
