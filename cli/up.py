"""``smlog up``: every service and simulator as child processes, supervised.

Starts the children, waits until each is healthy (gRPC health for services, ``/healthz`` for
the simulators), prints where each listens, prefixes and streams their logs, and on
Ctrl-C/SIGTERM stops them all (SIGTERM, then SIGKILL after the grace period): no orphans.

``--scale dispatch=N`` starts N dispatch workers on one PostgreSQL store (docs/scale-out.md):
the first on the configured ports, worker k on the gRPC and metrics ports 100 * (k - 1)
above them. SQLite supports one dispatch process, so a store on SQLite refuses N > 1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from smlog.cli.health import wait_healthy
from smlog.cli.serve import GRPC_SERVICES, PROCESS_NAMES, SERVICE_NAMES
from smlog.cli.settings import settings_from_args
from smlog.config import Settings
from smlog.errors import ConfigError

COLORS = ("36", "33", "35", "32", "34", "31")
# The services that may run as several instances on one store, and the settings each extra
# instance changes (its ports).
SCALABLE: dict[str, tuple[str, ...]] = {"dispatch": ("dispatch_port", "dispatch_metrics_port")}
SCALE_PORT_STEP = 100


@dataclass(frozen=True)
class Instance:
    """One more process of a service (``dispatch-2``): its own settings (ports)."""

    name: str
    service: str
    overrides: Mapping[str, int]


def scaled(
    settings: Settings, scale: Mapping[str, int], ports: Mapping[str, Sequence[int]] | None = None
) -> list[Instance]:
    """The extra instances ``scale`` asks for (``{"dispatch": 3}``: dispatch-2, dispatch-3).
    Their ports are ``ports[setting][k - 2]`` when given, else the first instance's plus
    ``SCALE_PORT_STEP`` * (k - 1). ConfigError for a service that cannot scale, or dispatch
    on SQLite."""
    found: list[Instance] = []
    for service, count in scale.items():
        if service not in SCALABLE:
            raise ConfigError(f"--scale {service}={count}: only dispatch runs as several")
        if count < 1:
            raise ConfigError(f"--scale {service}={count}: at least 1")
        if count > 1 and not settings.store_url().startswith(("postgresql://", "postgres://")):
            raise ConfigError(
                f"--scale {service}={count}: SQLite supports one {service} process; several"
                " workers need a PostgreSQL store (--db-url postgresql://USER@HOST/DB)"
            )
        for k in range(2, count + 1):
            overrides = {
                name: ports[name][k - 2]
                if ports is not None
                else getattr(settings, name) + SCALE_PORT_STEP * (k - 1)
                for name in SCALABLE[service]
            }
            found.append(Instance(f"{service}-{k}", service, overrides))
    return found


class Stack:
    """Child processes of one ``smlog up`` (also used by the demo and end-to-end tests)."""

    def __init__(
        self,
        settings: Settings,
        names: Sequence[str] = SERVICE_NAMES,
        *,
        extra_args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        quiet: bool = False,
        log_dir: Path | None = None,
        instances: Sequence[Instance] = (),
    ) -> None:
        self.settings = settings
        self.instances = {i.name: i for i in instances}
        self.names = [*names, *self.instances]
        self.extra_args = list(extra_args)
        self.env = env
        self.quiet = quiet
        self.log_dir = log_dir
        self.procs: dict[str, asyncio.subprocess.Process] = {}
        self._pumps: list[asyncio.Task[None]] = []

    async def _spawn(self, name: str) -> None:
        env = dict(os.environ if self.env is None else self.env)
        env.setdefault("PYTHONUNBUFFERED", "1")
        service, args = name, list(self.extra_args)
        instance = self.instances.get(name)
        if instance is not None:
            service = instance.service
            args += [a for k, v in instance.overrides.items() for a in ("--set", f"{k}={v}")]
        proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "smlog.cli.main", "serve", service, *args),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
        )
        self.procs[name] = proc
        color = COLORS[self.names.index(name) % len(COLORS)]
        self._pumps.append(asyncio.create_task(self._pump(name, proc, color)))

    async def start(self, timeout: float = 30.0) -> None:
        for name in self.names:
            await self._spawn(name)
        try:
            await asyncio.gather(*(self._ready(name, timeout) for name in self.names))
        except BaseException:
            await self.stop()
            raise

    async def _ready(self, name: str, timeout: float) -> None:
        proc = self.procs[name]
        settings, service = self.settings_of(name)
        waiter = asyncio.create_task(wait_healthy(settings, service, timeout))
        exited = asyncio.create_task(proc.wait())
        done, _ = await asyncio.wait({waiter, exited}, return_when=asyncio.FIRST_COMPLETED)
        if exited in done:
            waiter.cancel()
            raise ConfigError(f"{name} exited with code {proc.returncode} while starting")
        exited.cancel()
        await waiter

    def settings_of(self, name: str) -> tuple[Settings, str]:
        """The settings a child runs with, and its service."""
        instance = self.instances.get(name)
        if instance is None:
            return self.settings, name
        return self.settings.replace(**instance.overrides), instance.service

    async def _pump(self, name: str, proc: asyncio.subprocess.Process, color: str) -> None:
        assert proc.stdout is not None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            with (self.log_dir / f"{name}.log").open("ab") as out:
                async for line in proc.stdout:
                    out.write(line)
                    out.flush()
            return
        prefix = f"\x1b[{color}m{name:>12} |\x1b[0m " if sys.stdout.isatty() else f"{name:>12} | "
        async for line in proc.stdout:
            if not self.quiet:
                sys.stdout.write(prefix + line.decode(errors="replace"))
                sys.stdout.flush()

    async def stop(self, grace: float | None = None) -> None:
        grace = self.settings.grace_seconds + 5 if grace is None else grace
        for proc in self.procs.values():
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in self.procs.items():
            try:
                await asyncio.wait_for(proc.wait(), grace)
            except TimeoutError:
                print(f"smlog: {name} did not stop in {grace:.0f} s, killing it", file=sys.stderr)
                proc.kill()
                await proc.wait()
        for pump in self._pumps:
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)

    def kill(self, name: str) -> None:
        """SIGKILL one child (fault tests)."""
        self.procs[name].kill()

    async def restart(self, name: str, timeout: float = 30.0) -> None:
        proc = self.procs[name]
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        await proc.wait()
        await self._spawn(name)
        await self._ready(name, timeout)


def console_url(settings: Settings) -> str:
    return f"http://{settings.host}:{settings.console_port}/"


def describe(settings: Settings, names: Sequence[str], stack: Stack | None = None) -> str:
    lines = []
    for name in names:
        label = name
        if stack is not None:
            settings, name = stack.settings_of(label)
        if name in GRPC_SERVICES:
            where = f"grpc {settings.host}:{settings.grpc_port(name)}"
            if name == "status":
                where += f", webhooks http://{settings.host}:{settings.status_http_port}"
        elif name == "console":
            lines.append(f"  {name:<13} {console_url(settings)}  (metrics at /metrics)")
            continue
        else:
            port = (
                settings.voxology_sim_port if name == "voxology-sim" else settings.mailgun_sim_port
            )
            where = f"http://{settings.host}:{port}"
        lines.append(f"  {label:<13} {where}  (metrics :{settings.metrics_port(name)}/metrics)")
    return "\n".join(lines)


async def run_stack(
    settings: Settings,
    names: Sequence[str],
    extra_args: Sequence[str],
    instances: Sequence[Instance] = (),
) -> None:
    stack = Stack(settings, names, extra_args=extra_args, instances=instances)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stack.start()
    print("smlog is up:\n" + describe(settings, stack.names, stack), flush=True)
    await stop.wait()
    print("smlog: stopping...", flush=True)
    await stack.stop()


def forwarded_args(args: argparse.Namespace) -> list[str]:
    extra: list[str] = []
    if getattr(args, "db_path", None):
        extra += ["--db", args.db_path]
    if getattr(args, "db_url", None):
        extra += ["--db-url", args.db_url]
    for item in getattr(args, "overrides", []) or []:
        extra += ["--set", item]
    return extra


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    names = args.only or list(PROCESS_NAMES)
    scale = parse_scale(getattr(args, "scale", None) or [])
    instances = scaled(settings, scale)
    if instances and not set(scale) <= set(names):
        raise ConfigError("--scale names a service --only leaves out")
    asyncio.run(run_stack(settings, names, forwarded_args(args), instances))
    return 0


def parse_scale(items: Sequence[str]) -> dict[str, int]:
    """``["dispatch=3"]`` as ``{"dispatch": 3}``."""
    scale: dict[str, int] = {}
    for item in items:
        service, sep, count = item.partition("=")
        if not sep or not count.strip().isdigit():
            raise ConfigError(f"--scale {item!r}: expected SERVICE=N, e.g. dispatch=3")
        scale[service.strip()] = int(count)
    return scale
