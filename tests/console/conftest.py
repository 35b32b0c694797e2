"""The console in-process over a real log service (port 0) seeded with the log tests' data;
dispatch and reports point at ports where nothing listens (a service that is down)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from smlog.auth import mint_token
from smlog.config import Settings
from smlog.runtime import GrpcHost
from smlog.runtime.tasks import free_port
from smlog.services.console.service import create_app
from smlog.services.log.service import create
from smlog.store import Database, open_database
from tests.log.conftest import ALL
from tests.log.data import LogData, seed_log

PROXY_HEADER = "X-Smlog-Identity"


@dataclass
class ConsoleEnv:
    settings: Settings
    url: str
    data: LogData
    http: aiohttp.ClientSession
    db: Database

    def token(self, user: str = "alice", district: int = 1, rights: Sequence[str] = ALL) -> str:
        return mint_token(
            self.settings.jwt_secret, user_id=user, district_id=district, rights=list(rights),
            name=user.title(),
        )  # fmt: skip

    def as_user(self, user: str = "alice", district: int = 1,
                rights: Sequence[str] = ALL) -> dict[str, str]:  # fmt: skip
        """The identity proxy's header for this person."""
        return {PROXY_HEADER: self.token(user, district, rights)}


async def start_console(settings: Settings, sign_in: str) -> AsyncIterator[ConsoleEnv]:
    db = await open_database(settings)
    data = await seed_log(db)
    parts = await create(settings)
    host = GrpcHost(parts, settings, port=0)
    await host.start()
    console_settings = settings.replace(
        log_port=host.port, reports_port=free_port(), dispatch_port=free_port(),
        console_sign_in=sign_in, console_proxy_header=PROXY_HEADER, rpc_timeout_seconds=2.0,
    )  # fmt: skip
    server = TestServer(create_app(console_settings), host="127.0.0.1", port=0)
    await server.start_server()
    jar = aiohttp.CookieJar(unsafe=True)  # cookies from 127.0.0.1
    try:
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            yield ConsoleEnv(console_settings, str(server.make_url("")), data, http, db)
    finally:
        await server.close()
        await host.stop(0)
        await db.close()


@pytest.fixture
async def proxied(settings: Settings) -> AsyncIterator[ConsoleEnv]:
    """Production sign-in: only the identity proxy's signed header is trusted."""
    async for env in start_console(settings, "proxy"):
        yield env


@pytest.fixture
async def development(settings: Settings) -> AsyncIterator[ConsoleEnv]:
    """Development sign-in: the page listing the demo district's staff."""
    async for env in start_console(settings, "development"):
        yield env
