"""End-to-end helpers: real `smlog` processes on free ports and a temp database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from smlog.config import Settings
from tests.conftest import free_port

PORT_FIELDS = (
    "dispatch_port", "status_port", "status_http_port", "log_port", "reports_port",
    "voxology_sim_port", "mailgun_sim_port", "dispatch_metrics_port", "status_metrics_port",
    "log_metrics_port", "reports_metrics_port", "voxology_sim_metrics_port",
    "mailgun_sim_metrics_port",
)  # fmt: skip


@dataclass
class StackConfig:
    settings: Settings
    args: list[str]  # the same settings as `smlog` flags


@pytest.fixture
def stack_config(tmp_path: Path) -> StackConfig:
    overrides: dict[str, object] = {name: free_port() for name in PORT_FIELDS}
    overrides["db_path"] = str(tmp_path / "e2e.db")
    overrides["grace_seconds"] = 2.0
    overrides["sim_time_scale"] = 0.0
    http = overrides["status_http_port"]
    overrides["status_public_url"] = f"http://127.0.0.1:{http}"
    overrides["voxology_url"] = f"http://127.0.0.1:{overrides['voxology_sim_port']}"
    overrides["mailgun_url"] = f"http://127.0.0.1:{overrides['mailgun_sim_port']}"
    args: list[str] = []
    for key, value in overrides.items():
        args += ["--set", f"{key}={value}"]
    settings = Settings.load(env={}, overrides={k: str(v) for k, v in overrides.items()})
    return StackConfig(settings, args)
