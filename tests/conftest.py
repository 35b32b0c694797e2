"""Fixtures shared by every test package."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from smlog.config import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a fresh temp database; the JSON log format, a short grace period."""
    return Settings.load(env={}, overrides={"db_path": str(tmp_path / "smlog.db")}).replace(
        grace_seconds=1.0
    )
