"""The console in-process over a real log service (port 0) seeded with the log tests' data;
dispatch and reports point at ports where nothing listens (a service that is down)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import aiohttp
import pytest

from smlog.config import Settings
from smlog.runtime.tasks import free_port
from smlog.services.console.service import create_app
from smlog.services.log.service import create
from smlog.store import Database, open_database
from tests.support.log_data import LogData, seed_log
from tests.support.rights import ALL
from tests.support.services import grpc_service, http_app
from tests.support.tokens import user_token

PROXY_HEADER = "X-Smlog-Identity"


@dataclass
class ConsoleEnv:
    settings: Settings
    url: str
    data: LogData
    http: aiohttp.ClientSession
    db: Database

    def token(self, user: str = "alice", district: int = 1, rights: Sequence[str] = ALL) -> str:
        return user_token(self.settings, user, district, rights, name=user.title())

    def as_user(self, user: str = "alice", district: int = 1,
                rights: Sequence[str] = ALL) -> dict[str, str]:  # fmt: skip
        """The identity proxy's header for this person."""
        return {PROXY_HEADER: self.token(user, district, rights)}


async def start_console(settings: Settings, sign_in: str) -> AsyncIterator[ConsoleEnv]:
    db = await open_database(settings)
    data = await seed_log(db)
    try:
        async with grpc_service(await create(settings), settings) as host:
            console_settings = settings.replace(
                log_port=host.port, reports_port=free_port(), dispatch_port=free_port(),
                console_sign_in=sign_in, console_proxy_header=PROXY_HEADER,
                rpc_timeout_seconds=2.0,
            )  # fmt: skip
            jar = aiohttp.CookieJar(unsafe=True)  # cookies from 127.0.0.1
            async with (
                http_app(create_app(console_settings)) as url,
                aiohttp.ClientSession(cookie_jar=jar) as http,
            ):
                yield ConsoleEnv(console_settings, url, data, http, db)
    finally:
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
