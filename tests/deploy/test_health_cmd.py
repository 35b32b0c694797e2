"""``smlog health``: the command container health checks run. Local ports only."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from smlog.cli import health_cmd
from smlog.cli.main import build_parser
from smlog.config import Settings
from smlog.runtime import ServiceParts
from smlog.runtime.tasks import free_port
from tests.support.services import grpc_service, http_app


@pytest.fixture(autouse=True)
def _no_service_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("SMLOG_SERVICE", "SMLOG_HOST", "SMLOG_DISPATCH_TARGET", "SMLOG_LOG_PORT"):
        monkeypatch.delenv(var, raising=False)


def health(*argv: str) -> int:
    args = build_parser().parse_args(["health", *argv])
    assert args.run is health_cmd.run
    code: int = args.run(args)
    return code


@pytest.fixture
async def grpc_log(settings: Settings) -> AsyncIterator[int]:
    """An (empty) gRPC host that answers the health protocol, standing in for log."""
    async with grpc_service(ServiceParts("log", []), settings.replace(host="0.0.0.0")) as host:
        yield host.port


async def test_a_serving_grpc_service_is_healthy(grpc_log: int) -> None:
    code = await asyncio.to_thread(health, "log", "--set", f"log_port={grpc_log}")
    assert code == 0


async def test_service_from_the_environment(grpc_log: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMLOG_SERVICE", "log")
    monkeypatch.setenv("SMLOG_LOG_PORT", str(grpc_log))
    monkeypatch.setenv("SMLOG_HOST", "0.0.0.0")
    monkeypatch.setenv("SMLOG_DISPATCH_TARGET", "dispatch:50051")
    assert await asyncio.to_thread(health) == 0


async def test_a_simulator_is_asked_for_healthz() -> None:
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    async with http_app(app) as url:
        port = url.rsplit(":", 1)[1]
        code = await asyncio.to_thread(health, "mailgun-sim", "--set", f"mailgun_sim_port={port}")
    assert code == 0


def test_nothing_listening_is_unhealthy_within_the_timeout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    started = time.monotonic()
    assert health("reports", "--timeout", "0.3", "--set", f"reports_port={free_port()}") == 1
    assert time.monotonic() - started < 5
    assert "reports did not become healthy" in capsys.readouterr().err


def test_no_service_named_and_bad_settings_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert health() == 1
    assert "SMLOG_SERVICE" in capsys.readouterr().err
    assert health("log", "--set", "log_port=nope") == 1
    assert "--log-port" in capsys.readouterr().err


def test_probe_settings_dial_this_host() -> None:
    settings = Settings().replace(host="0.0.0.0", dispatch_target="dispatch:50051")
    probe = health_cmd.probe_settings(settings)
    assert probe.target("dispatch") == "127.0.0.1:50051"
    assert health_cmd.probe_settings(Settings()).target("log") == "127.0.0.1:50053"
