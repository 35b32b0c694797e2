"""One way to run a gRPC service: health, reflection, interceptors, metrics, graceful stop.

A service describes itself as ``ServiceParts`` (its servicers, its background components and
what to close); ``GrpcHost`` runs them; ``serve`` adds SIGTERM/SIGINT handling:
health goes NOT_SERVING, in-flight calls get ``grace_seconds`` to finish, then components stop
and resources close, and the process exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from grpc import aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from smlog.auth.tokens import TokenKeys
from smlog.config import Settings
from smlog.errors import ConfigError
from smlog.runtime.client import MAX_MESSAGE_BYTES
from smlog.runtime.interceptors import ServerInterceptor
from smlog.runtime.metrics import MetricsServer
from smlog.runtime.tls import server_credentials

log = logging.getLogger("smlog.server")


class Component(Protocol):
    """A background part of a service (a worker loop, an HTTP edge, ...)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Servicer:
    """A servicer and the generated ``add_..._to_server`` function that registers it."""

    add_to_server: Callable[[Any, aio.Server], None]
    servicer: Any
    full_name: str  # e.g. "smlog.v1.DispatchService"


@dataclass
class ServiceParts:
    name: str
    servicers: list[Servicer]
    components: list[Component] = field(default_factory=list)
    on_close: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


class GrpcHost:
    def __init__(
        self,
        parts: ServiceParts,
        settings: Settings,
        *,
        port: int,
        metrics_port: int | None = None,
    ) -> None:
        self.parts = parts
        self.settings = settings
        self._port = port
        self._metrics = (
            MetricsServer(settings.host, metrics_port) if metrics_port is not None else None
        )
        health_module: Any = health  # the stubs lack the asyncio servicer
        self._health = health_module.aio.HealthServicer()
        self._server: aio.Server | None = None
        self.port = 0
        self.metrics_port = 0

    async def start(self) -> int:
        server = aio.server(
            interceptors=[ServerInterceptor(TokenKeys.from_settings(self.settings))],
            options=[
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.so_reuseport", 0),
            ],
        )
        names = []
        for s in self.parts.servicers:
            s.add_to_server(s.servicer, server)
            names.append(s.full_name)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        reflection.enable_server_reflection(
            [
                *names,
                health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                reflection.SERVICE_NAME,
            ],
            server,
        )
        address = f"{self.settings.host}:{self._port}"
        credentials = server_credentials(self.settings)
        try:
            if credentials is None:
                self.port = server.add_insecure_port(address)
            else:
                self.port = server.add_secure_port(address, credentials)
        except RuntimeError as exc:
            raise ConfigError(f"{self.parts.name}: cannot listen on {address}: {exc}") from None
        if self.port == 0:
            raise ConfigError(f"{self.parts.name}: cannot listen on {address} (port in use?)")
        if self._metrics is not None:
            try:
                self.metrics_port = self._metrics.start()
            except OSError as exc:
                raise ConfigError(
                    f"{self.parts.name}: cannot serve metrics on port {self._metrics_port_wanted}:"
                    f" {exc.strerror}"
                ) from None
        for component in self.parts.components:
            await component.start()
        await server.start()
        self._server = server
        for name in [*names, ""]:
            await self._health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info(
            "serving",
            extra={"service": self.parts.name, "port": self.port, "metrics": self.metrics_port,
                   "tls": credentials is not None},
        )  # fmt: skip
        return self.port

    @property
    def _metrics_port_wanted(self) -> int:
        return self._metrics._port if self._metrics is not None else 0

    async def drain(self) -> None:
        """Answer NOT_SERVING to health checks from now on, so that balancers and
        orchestrators send no new calls; ``stop`` starts with this."""
        await self._health.enter_graceful_shutdown()

    async def stop(self, grace: float | None = None) -> None:
        grace = self.settings.grace_seconds if grace is None else grace
        await self.drain()
        if self._server is not None:
            await self._server.stop(grace)
        for component in reversed(self.parts.components):
            await component.stop()
        for close in reversed(self.parts.on_close):
            await close()
        if self._metrics is not None:
            self._metrics.stop()
        log.info("stopped", extra={"service": self.parts.name})

    async def wait(self) -> None:
        if self._server is not None:
            await self._server.wait_for_termination()


async def serve(host: GrpcHost | Component, grace: float) -> None:
    """Run until SIGTERM or SIGINT, then stop gracefully."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await host.start()
    await stop.wait()
    log.info("signal received, draining", extra={"grace_seconds": grace})
    if isinstance(host, GrpcHost):
        await host.stop(grace)
    else:
        await host.stop()
