"""Assembles the console process: the aiohttp application, its routes, and ``run`` for
``smlog serve console`` (graceful stop on SIGTERM/SIGINT, like every other process)."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, Histogram, generate_latest

from smlog.config import Settings
from smlog.errors import ConfigError
from smlog.runtime.metrics import RPC_LATENCY_BUCKETS
from smlog.services.console import (
    log_page,
    message_pages,
    report_page,
    resend_page,
    search_page,
    signin,
)
from smlog.services.console.backends import Backends
from smlog.services.console.context import BACKENDS_KEY, IDENTITY_KEY
from smlog.services.console.errors import Handler, error_pages
from smlog.services.console.identity import Identity
from smlog.services.console.rendering import TEMPLATES_KEY, templates

STATIC = Path(__file__).parent / "static"
PAGE_SECONDS = Histogram(
    "smlog_console_request_seconds",
    "Time to answer a console request, by route and HTTP status.",
    ["route", "code"],
    buckets=RPC_LATENCY_BUCKETS,
)


@web.middleware
async def timed(request: web.Request, handler: Handler) -> web.StreamResponse:
    start = time.perf_counter()
    code = 500
    try:
        response = await handler(request)
        code = response.status
        return response
    except web.HTTPException as exc:
        code = exc.status
        raise
    finally:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"  # bounded
        PAGE_SECONDS.labels(route, str(code)).observe(time.perf_counter() - start)


async def health(request: web.Request) -> web.StreamResponse:
    return web.Response(text="ok")


async def metrics(request: web.Request) -> web.StreamResponse:
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def create_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[timed, error_pages], client_max_size=64 * 1024)
    app[IDENTITY_KEY] = Identity(settings)
    app[TEMPLATES_KEY] = templates()

    async def backends_context(app: web.Application) -> AsyncIterator[None]:
        app[BACKENDS_KEY] = Backends.open(settings)
        yield
        await app[BACKENDS_KEY].close()

    app.cleanup_ctx.append(backends_context)
    app.router.add_get("/", log_page.log_page, name="log")
    app.router.add_get("/search", search_page.search_page)
    app.router.add_get("/sign-in", signin.sign_in_page)
    app.router.add_post("/sign-in", signin.sign_in)
    app.router.add_post("/sign-out", signin.sign_out)
    app.router.add_get(r"/messages/{message_id}", message_pages.detail_page)
    app.router.add_get(r"/messages/{message_id}/progress", message_pages.progress_events)
    app.router.add_get(r"/messages/{message_id}/cancel", message_pages.cancel_page)
    app.router.add_post(r"/messages/{message_id}/cancel", message_pages.cancel)
    app.router.add_get(r"/messages/{message_id}/resend", resend_page.resend_page)
    app.router.add_post(r"/messages/{message_id}/resend", resend_page.resend)
    app.router.add_get(r"/messages/{message_id}/recipients", message_pages.recipients_page)
    app.router.add_get(r"/messages/{message_id}/report", report_page.report)
    app.router.add_get("/healthz", health)
    app.router.add_get("/metrics", metrics)
    app.router.add_static("/static", STATIC, append_version=True)
    return app


async def serve_console(settings: Settings, port: int, stop: asyncio.Event) -> None:
    """Serve until ``stop`` is set; in-flight requests get ``grace_seconds`` to finish."""
    runner = web.AppRunner(
        create_app(settings), access_log=None, handle_signals=False,
        shutdown_timeout=settings.grace_seconds,
    )  # fmt: skip
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, settings.host, port).start()
        except OSError as exc:
            raise ConfigError(f"console: cannot listen on {settings.host}:{port}: {exc}") from None
        await stop.wait()
    finally:
        await runner.cleanup()


async def run(settings: Settings, port: int | None, metrics_port: int | None) -> None:
    """``smlog serve console``: its metrics are on its own port, at ``/metrics``."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await serve_console(settings, settings.console_port if port is None else port, stop)
