"""Running a simulator as an ``smlog serve`` process, configured from ``smlog.config.Settings``.

The simulator's callbacks go to the status service's webhook edge (``status_public_url``),
signed with the same secrets the status service verifies with; its metrics are served both on
its own port (``/metrics``) and on its metrics port like every other process.
"""

from __future__ import annotations

import asyncio
import signal

from aiohttp import web
from prometheus_client import CollectorRegistry

from smlog.config import Settings
from smlog.errors import ConfigError
from smlog.runtime.metrics import MetricsServer
from smlog.simulators.common.faults import FaultSpec
from smlog.simulators.common.http import run_app


def fault_spec(text: str) -> FaultSpec:
    """``"drop=0.05,error_burst=20"`` as a FaultSpec; ConfigError naming the problem."""
    try:
        return FaultSpec.parse(text)
    except ValueError as exc:
        raise ConfigError(f"SMLOG_SIM_FAULTS: {exc}") from None


async def run_simulator(
    name: str,
    app: web.Application,
    registry: CollectorRegistry,
    settings: Settings,
    port: int,
    metrics_port: int | None,
) -> None:
    """Serve ``app`` until SIGTERM/SIGINT, with its metrics also on the process's metrics port
    (``settings.<name>_metrics_port`` unless given)."""
    if metrics_port is None:
        metrics_port = settings.metrics_port(name)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    metrics = MetricsServer(settings.host, metrics_port, registry)
    try:
        metrics.start()
    except OSError as exc:
        raise ConfigError(f"{name}: cannot serve metrics on port {metrics_port}: {exc}") from None
    try:
        await run_app(app, settings.host, port, stop)
    except OSError as exc:
        raise ConfigError(f"{name}: cannot listen on {settings.host}:{port}: {exc}") from None
    finally:
        metrics.stop()
