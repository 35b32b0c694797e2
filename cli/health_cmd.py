"""``smlog health NAME``: exit 0 if that process answers healthy, 1 if not.

For container health checks and scripts: gRPC services are asked with the gRPC health
protocol (``grpc.health.v1.Health/Check``), simulators with ``GET /healthz``, on the ports the
settings give (``SMLOG_<NAME>_PORT``). Without NAME, ``SMLOG_SERVICE`` names the process, so
one image-wide ``HEALTHCHECK`` serves every container that sets it.

Docker reads exit status 1 as unhealthy and reserves 2, so every failure here, a bad
setting included, exits 1 with one line on stderr saying why.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from smlog.cli.health import wait_healthy
from smlog.cli.serve import PROCESS_NAMES
from smlog.cli.settings import settings_from_args
from smlog.config import Settings
from smlog.errors import ConfigError

__all__ = ["add_parser", "probe_settings", "run"]

SERVICE_ENV = "SMLOG_SERVICE"
# A wildcard bind address is not an address to connect to; ask over loopback instead.
_WILDCARDS = frozenset({"", "0.0.0.0", "::", "[::]"})  # noqa: S104 - compared, not bound


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("health", help="exit 0 if a service answers healthy, 1 if not")
    p.add_argument(
        "service",
        nargs="?",
        choices=PROCESS_NAMES,
        help=f"the process to ask (default: ${SERVICE_ENV})",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=3.0,
        help="seconds to keep asking before giving up (default 3)",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a setting, e.g. --set status_port=50062",
    )
    p.set_defaults(run=run)


def probe_settings(settings: Settings) -> Settings:
    """The settings to reach the local process with: its own port on this host (a wildcard
    bind address becomes loopback), never another host's address for it."""
    host = "127.0.0.1" if settings.host in _WILDCARDS else settings.host
    return settings.replace(host=host, dispatch_target="", log_target="", reports_target="")


def run(args: argparse.Namespace) -> int:
    name: str | None = args.service or os.environ.get(SERVICE_ENV) or None
    if name is None:
        print(f"smlog health: name a service or set {SERVICE_ENV}", file=sys.stderr)
        return 1
    if name not in PROCESS_NAMES:
        print(f"smlog health: unknown service {name!r}", file=sys.stderr)
        return 1
    try:
        settings = probe_settings(settings_from_args(args))
        asyncio.run(wait_healthy(settings, name, max(args.timeout, 0.1)))
    except ConfigError as exc:
        print(f"smlog health: {exc}", file=sys.stderr)
        return 1
    return 0
