"""Simulators over real HTTP on port 0 (``tests/support/services.py``), with an in-process
receiver collecting callbacks."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from smlog.simulators import mailgun, voxology
from tests.support.services import http_app
from tests.support.simulators import sim_stats, wait_sim_stats


@dataclass
class Post:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    data: dict[str, Any]
    at: float
    target: str = ""  # the raw path and query, as signed


@dataclass
class Receiver:
    """Collects every callback; ``respond`` picks the HTTP status of each answer."""

    url: str = ""
    posts: list[Post] = field(default_factory=list)
    respond: Callable[[Post], int] = lambda _post: 200
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        post = Post(
            request.path,
            dict(request.query),
            dict(request.headers),
            body,
            json.loads(body),
            time.monotonic(),
            request.raw_path,
        )
        status = self.respond(post)
        async with self._changed:
            self.posts.append(post)
            self._changed.notify_all()
        return web.Response(status=status)

    def on(self, path: str) -> list[Post]:
        return [post for post in self.posts if post.path == path]

    async def wait_for(
        self, predicate: Callable[[list[Post]], bool], timeout: float = 5.0
    ) -> list[Post]:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: predicate(self.posts)), timeout)
        return self.posts

    async def wait_count(self, count: int, path: str | None = None, timeout: float = 5.0) -> None:
        await self.wait_for(
            lambda posts: len([p for p in posts if path is None or p.path == path]) >= count,
            timeout,
        )


@dataclass
class Sim:
    url: str
    app: web.Application
    http: aiohttp.ClientSession

    async def stats(self) -> dict[str, Any]:
        return await sim_stats(self.http, self.url)

    async def wait_stats(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 5.0
    ) -> dict[str, Any]:
        """Stats once ``predicate`` holds: a callback is counted after its receiver answered."""
        return await wait_sim_stats(self.http, self.url, predicate, timeout)

    async def faults(self, **spec: float) -> None:
        async with self.http.post(f"{self.url}/admin/faults", json=spec) as response:
            assert response.status == 200, await response.text()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/{tail:.*}", rec.handle)
    async with http_app(app) as rec.url:
        yield rec


VoxFactory = Callable[..., Awaitable[Sim]]


@asynccontextmanager
async def _simulators(
    http: aiohttp.ClientSession, build: Callable[..., web.Application]
) -> AsyncIterator[VoxFactory]:
    """A factory of simulators built by ``build(**overrides)``, each stopped at the end."""
    async with AsyncExitStack() as servers:

        async def start(**overrides: Any) -> Sim:
            app = build(**overrides)
            url = await servers.enter_async_context(http_app(app))
            return Sim(url, app, http)

        yield start


@pytest.fixture
async def start_voxology(
    receiver: Receiver, http: aiohttp.ClientSession
) -> AsyncIterator[VoxFactory]:
    def build(**overrides: Any) -> web.Application:
        defaults = {
            "time_scale": 0.0,
            "seed": 7,
            "call_callback_url": f"{receiver.url}/call",
            "sms_callback_url": f"{receiver.url}/sms",
            "inbound_url": f"{receiver.url}/inbound",
        }
        return voxology.build_app(voxology.VoxologySettings(**{**defaults, **overrides}))

    async with _simulators(http, build) as start:
        yield start


@pytest.fixture
async def start_mailgun(
    receiver: Receiver, http: aiohttp.ClientSession
) -> AsyncIterator[VoxFactory]:
    def build(**overrides: Any) -> web.Application:
        defaults = {"time_scale": 0.0, "seed": 7, "webhook_url": f"{receiver.url}/mailgun"}
        return mailgun.build_app(mailgun.MailgunSettings(**{**defaults, **overrides}))

    async with _simulators(http, build) as start:
        yield start
