"""Wait until a service answers healthy: gRPC health for services, /healthz for simulators."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from smlog.cli.serve import GRPC_SERVICES
from smlog.config import Settings
from smlog.errors import ConfigError
from smlog.runtime import open_channel
from smlog.runtime.tls import channel_credentials


async def check_grpc(
    target: str, timeout: float = 1.0, tls: grpc.ChannelCredentials | None = None
) -> bool:
    async with open_channel(target, timeout=timeout, tls=tls) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=""))
        except grpc.RpcError:
            return False
        return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


async def check_http(url: str, timeout: float = 1.0) -> bool:
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.get(url) as resp,
        ):
            return resp.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


def _local_target(settings: Settings, name: str) -> str:
    """Where a health check on this machine dials: a wildcard bind address (containers bind
    0.0.0.0) is not a name a TLS certificate can carry, so it dials 127.0.0.1 instead."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host  # noqa: S104
    return f"{host}:{settings.grpc_port(name)}"


async def wait_healthy(settings: Settings, name: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if name in GRPC_SERVICES:
            ok = await check_grpc(_local_target(settings, name), tls=channel_credentials(settings))
        elif name == "console":
            ok = await check_http(f"http://{settings.host}:{settings.console_port}/healthz")
        else:
            port = (
                settings.voxology_sim_port if name == "voxology-sim" else settings.mailgun_sim_port
            )
            ok = await check_http(f"http://{settings.host}:{port}/healthz")
        if ok:
            return
        await asyncio.sleep(0.1)
    raise ConfigError(f"{name} did not become healthy within {timeout:.0f} s")
