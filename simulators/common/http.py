"""HTTP plumbing shared by the simulators: the vendor-shaped error middleware, request metrics,
``/healthz``, ``/metrics``, the ``/admin/`` endpoints and running an app until told to stop."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from smlog.simulators.common.core import SimulatorCore
from smlog.simulators.common.faults import FaultSpec

__all__ = [
    "ApiError",
    "ErrorShaper",
    "add_common_routes",
    "error_middleware",
    "read_json_object",
    "run_app",
]

log = logging.getLogger(__name__)

# Builds the vendor's error answer: (status, machine code, human message) -> response.
ErrorShaper = Callable[[int, str, str], web.Response]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}
_UNTRACKED = ("/admin/", "/metrics", "/healthz")


class ApiError(Exception):
    """An error answer in the vendor's shape; raise it from a handler."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def _endpoint(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return "unmatched" if resource is None else resource.canonical


def error_middleware(core: SimulatorCore, shape: ErrorShaper) -> Any:
    """Every error answered in the vendor's shape (never a trace), every API request counted."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.monotonic()
        try:
            response = await handler(request)
        except ApiError as exc:
            response = shape(exc.status, exc.code, exc.message)
            response.headers.update(exc.headers)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            code = _CODES.get(exc.status, "server_error" if exc.status >= 500 else "error")
            response = shape(exc.status, code, exc.reason)
        except Exception as exc:
            log.error("%s: unhandled %s on %s", core.name, type(exc).__name__, _endpoint(request))
            response = shape(500, "internal_error", "internal error")
        endpoint = _endpoint(request)
        if not endpoint.startswith(_UNTRACKED):
            core.stats.request(endpoint, response.status, time.monotonic() - started)
        return response

    return middleware


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object; 400/413 HTTP errors otherwise (shaped upstream)."""
    raw = await request.read()  # raises HTTPRequestEntityTooLarge past client_max_size
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(reason="body is not valid JSON") from None
    if not isinstance(value, dict):
        raise web.HTTPBadRequest(reason="body must be a JSON object")
    return value


def add_common_routes(app: web.Application, core: SimulatorCore) -> None:
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "simulator": core.name})

    async def metrics(_request: web.Request) -> web.Response:
        response = web.Response(body=generate_latest(core.registry))
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response(core.snapshot())

    async def get_faults(_request: web.Request) -> web.Response:
        return web.json_response(core.faults.snapshot())

    async def set_faults(request: web.Request) -> web.Response:
        body = await read_json_object(request)
        try:
            spec = FaultSpec.from_mapping(body)
        except (ValueError, TypeError) as exc:
            raise web.HTTPBadRequest(reason=str(exc)) from None
        core.faults.set(spec)
        return web.json_response(core.faults.snapshot())

    async def clear_faults(_request: web.Request) -> web.Response:
        core.faults.set(FaultSpec())
        return web.json_response(core.faults.snapshot())

    async def reset(_request: web.Request) -> web.Response:
        core.reset()
        return web.json_response({"reset": True})

    async def recipient(request: web.Request) -> web.Response:
        to = request.query.get("to", "")
        accepted = {channel: core.sends.get((channel, to), 0) for channel in core.channels}
        return web.json_response({"to": to, "accepted": accepted})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/admin/stats", stats)
    app.router.add_get("/admin/faults", get_faults)
    app.router.add_post("/admin/faults", set_faults)
    app.router.add_delete("/admin/faults", clear_faults)
    app.router.add_post("/admin/reset", reset)
    app.router.add_get("/admin/recipient", recipient)


async def run_app(app: web.Application, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve ``app`` on host:port until ``stop`` is set, then shut down gracefully."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=5.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        log.info("listening on %s", ", ".join(map(str, runner.addresses)))
        await stop.wait()
    finally:
        await runner.cleanup()
