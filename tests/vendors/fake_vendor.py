"""A small in-process fake of the Voxology and Mailgun HTTP APIs (docs/vendor-apis.md).

It records every request, replays answers for a repeated idempotency key, and answers from a
script of forced statuses so tests can drive 400/429/500/timeouts.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.services import http_app


@dataclass
class Forced:
    status: int
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class FakeVendor:
    requests: list[tuple[str, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    script: list[Forced] = field(default_factory=list)
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)
    counter: int = 0
    url: str = ""  # the base URL once started

    def accepted_count(self, path_suffix: str) -> int:
        return sum(1 for key in self.accepted if key.startswith(path_suffix))

    async def handle(self, request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            body: dict[str, Any] = await request.json()
        else:
            form = await request.post()
            body = {}
            for key, value in form.items():
                body.setdefault(key, []).append(str(value))
        headers = {k: v for k, v in request.headers.items()}
        self.requests.append((request.path, body, headers))
        if self.script:
            forced = self.script.pop(0)
            if forced.delay:
                await asyncio.sleep(forced.delay)
            return web.json_response(forced.body, status=forced.status, headers=forced.headers)
        key = f"{request.path}|{headers.get('Idempotency-Key', '')}"
        if key in self.accepted:
            return web.json_response(self.accepted[key], status=201)
        self.counter += 1
        if request.path.endswith("/calls"):
            answer: dict[str, Any] = {"call_id": f"CA{self.counter:08x}", "status": "queued"}
        elif request.path.endswith("/messages") and request.path.startswith("/v1"):
            answer = {"message_id": f"SM{self.counter:08x}", "status": "queued"}
        else:
            answer = {"id": f"<{self.counter}@mg.smlog.test>", "message": "Queued. Thank you."}
        self.accepted[key] = answer
        return web.json_response(answer, status=201 if request.path.startswith("/v1") else 200)


async def start_fake() -> AsyncIterator[FakeVendor]:
    fake = FakeVendor()
    app = web.Application()
    app.router.add_post("/{tail:.*}", fake.handle)
    async with http_app(app) as fake.url:
        yield fake


def form_json(body: dict[str, Any], name: str) -> Any:
    return json.loads(body[name][0])
