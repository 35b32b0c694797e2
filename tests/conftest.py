"""Fixtures shared by every test package."""

from __future__ import annotations

from pathlib import Path

import pytest

from smlog.config import Settings
from smlog.runtime.tasks import free_port

__all__ = ["free_port", "settings"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a fresh temp database; the JSON log format, a short grace period."""
    return Settings.load(env={}, overrides={"db_path": str(tmp_path / "smlog.db")}).replace(
        grace_seconds=1.0
    )
