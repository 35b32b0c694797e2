"""Starting services in the test's own process: a gRPC service on port 0, a service's
components without its gRPC host, and any aiohttp application (simulators, fakes, receivers)
on port 0. Every test area starts what it runs through these."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from smlog.config import Settings
from smlog.runtime import GrpcHost, ServiceParts

__all__ = ["grpc_service", "http_app", "started_components"]


@asynccontextmanager
async def grpc_service(
    parts: ServiceParts, settings: Settings, *, metrics_port: int | None = None
) -> AsyncIterator[GrpcHost]:
    """``parts`` served on a free port (``host.port``), stopped at once at the end."""
    host = GrpcHost(parts, settings, port=0, metrics_port=metrics_port)
    await host.start()
    try:
        yield host
    finally:
        await host.stop(0)


@asynccontextmanager
async def started_components(parts: ServiceParts) -> AsyncIterator[ServiceParts]:
    """A service's components started without its gRPC host, stopped and closed at the end
    in reverse order, as ``GrpcHost.stop`` does."""
    for component in parts.components:
        await component.start()
    try:
        yield parts
    finally:
        for component in reversed(parts.components):
            await component.stop()
        for close in reversed(parts.on_close):
            await close()


@asynccontextmanager
async def http_app(app: web.Application, port: int = 0) -> AsyncIterator[str]:
    """``app`` served on 127.0.0.1 (a free port unless ``port``); its base URL, no slash."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        host, bound = runner.addresses[0][:2]
        yield f"http://{host}:{bound}"
    finally:
        await runner.cleanup()
