"""A small HTTP load balancer in front of several status webhook edges, as a deployment puts
one in front of its status instances: requests go round-robin, and a request whose instance
does not answer (killed, restarting) goes to the next one; 502 when none answers."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from tests.support.services import http_app

_HOP_BY_HOP = {"host", "content-length", "connection", "transfer-encoding"}


class Balancer:
    def __init__(self, backends: Sequence[str]) -> None:
        self.backends = list(backends)
        self._turn = itertools.count()
        self._http: aiohttp.ClientSession | None = None
        self.answered: Counter[str] = Counter()  # answers per backend

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        first = next(self._turn)
        for i in range(len(self.backends)):
            backend = self.backends[(first + i) % len(self.backends)]
            try:
                async with self._http.request(
                    request.method, backend + request.path_qs, data=body, headers=headers
                ) as answer:
                    content = await answer.read()
                    self.answered[backend] += 1
                    return web.Response(
                        status=answer.status, body=content, content_type=answer.content_type
                    )
            except aiohttp.ClientConnectionError:
                continue  # that instance is down: the next one takes the request
        return web.json_response({"error": "no status instance answered"}, status=502)

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        """Listen on a free port; yields the balancer's URL."""
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        timeout = aiohttp.ClientTimeout(total=30, connect=2)
        async with http_app(app) as url, aiohttp.ClientSession(timeout=timeout) as self._http:
            yield url
