"""Status service fixtures: a migrated store, and the service's parts started without the
gRPC host (webhook edge on port 0, a fast parked-event retry, no dispatch to tell)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from smlog.config import Settings
from smlog.runtime.tasks import free_port
from smlog.services.status.service import StatusParts
from smlog.store import Database, open_database
from tests.status.helpers import started_status


@pytest.fixture
def status_settings(settings: Settings) -> Settings:
    return settings.replace(
        status_parked_retry_seconds=0.1,
        status_notify_timeout_seconds=0.5,
        dispatch_port=free_port(),  # nobody listens: telling dispatch fails quietly
    )


@pytest.fixture
async def db(status_settings: Settings) -> AsyncIterator[Database]:
    database = await open_database(status_settings)
    yield database
    await database.close()


@pytest.fixture
async def status(status_settings: Settings, db: Database) -> AsyncIterator[StatusParts]:
    async with started_status(status_settings) as parts:
        yield parts


@pytest.fixture
async def http(status: StatusParts) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(f"http://127.0.0.1:{status.edge.port}") as session:
        yield session
