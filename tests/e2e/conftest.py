"""End-to-end helpers: real `smlog` processes on free ports and a temp database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from smlog.cli.stackrun import private_settings
from smlog.config import Settings


@dataclass
class StackConfig:
    settings: Settings
    args: list[str]  # the same settings as `smlog` flags


@pytest.fixture
def stack_config(tmp_path: Path, settings: Settings) -> StackConfig:
    extra = {"grace_seconds": "2", "log_level": "INFO"}
    if settings.db_url:  # the PostgreSQL pass: the processes share its throwaway database
        extra["db_url"] = settings.db_url
    config, args = private_settings(tmp_path, extra)
    return StackConfig(config, args)
