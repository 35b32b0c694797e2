"""``smlog serve NAME``: run one service (or simulator) until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import importlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from smlog.cli.settings import settings_from_args
from smlog.config import Settings, check_console_sign_in, check_secrets
from smlog.runtime import GrpcHost, ServiceParts, serve
from smlog.runtime.logging import configure_logging

GRPC_SERVICES: dict[str, str] = {
    "dispatch": "smlog.services.dispatch.service",
    "status": "smlog.services.status.service",
    "log": "smlog.services.log.service",
    "reports": "smlog.services.reports.service",
}
SIMULATORS: dict[str, str] = {
    "voxology-sim": "smlog.simulators.voxology.process",
    "mailgun-sim": "smlog.simulators.mailgun.process",
}
SERVICE_NAMES = (*GRPC_SERVICES, *SIMULATORS)
# Web applications (HTTP only), run by ``smlog up`` and the demo after the services they call.
WEB_APPS: dict[str, str] = {"console": "smlog.services.console.service"}
PROCESS_NAMES = (*SERVICE_NAMES, *WEB_APPS)


def run(args: argparse.Namespace) -> int:
    name: str = args.service
    settings = settings_from_args(args)
    check_secrets(settings)  # no start outside development on a development secret
    if name == "console":
        check_console_sign_in(settings)
    configure_logging(name, settings.log_level, settings.log_format)
    if name in SIMULATORS or name in WEB_APPS:
        module = importlib.import_module({**SIMULATORS, **WEB_APPS}[name])
        run_sim: Callable[[Settings, int | None, int | None], Coroutine[Any, Any, None]] = (
            module.run
        )
        asyncio.run(run_sim(settings, args.port, args.metrics_port))
        return 0
    asyncio.run(_serve_grpc(name, settings, args.port, args.metrics_port))
    return 0


async def _serve_grpc(
    name: str, settings: Settings, port: int | None, metrics_port: int | None
) -> None:
    module = importlib.import_module(GRPC_SERVICES[name])
    create: Callable[[Settings], Awaitable[ServiceParts]] = module.create
    parts = await create(settings)
    host = GrpcHost(
        parts,
        settings,
        port=settings.grpc_port(name) if port is None else port,
        metrics_port=settings.metrics_port(name) if metrics_port is None else metrics_port,
    )
    try:
        await serve(host, settings.grace_seconds)
    except BaseException:
        for close in parts.on_close:
            await close()
        raise
