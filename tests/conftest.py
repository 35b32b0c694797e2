"""Fixtures shared by every test package."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from smlog.config import Settings
from smlog.runtime.tasks import free_port
from tests.pgserver import throwaway_database

# Which store the service tests run on: "sqlite" (default) or "postgres" (the second pass).
BACKEND_VARIABLE = "SMLOG_TEST_BACKEND"

__all__ = ["free_port", "settings"]


@pytest.fixture
async def settings(tmp_path: Path) -> AsyncIterator[Settings]:
    """Settings on a fresh store; the JSON log format, a short grace period.

    The store is a temp SQLite file, or, in the PostgreSQL pass (``SMLOG_TEST_BACKEND=postgres``),
    a throwaway PostgreSQL database (``tests/pgserver.py``)."""
    base = Settings.load(env={}, overrides={"db_path": str(tmp_path / "smlog.db")}).replace(
        grace_seconds=1.0
    )
    if os.environ.get(BACKEND_VARIABLE, "sqlite") != "postgres":
        yield base
        return
    async with throwaway_database() as url:
        yield base.replace(db_url=url)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly, at the end of the run, when the PostgreSQL pass did not run."""
    from tests.pgserver import SKIP_REASON

    skipped = terminalreporter.stats.get("skipped", [])
    count = sum(1 for report in skipped if SKIP_REASON in str(getattr(report, "longrepr", "")))
    if count:
        terminalreporter.write_line(f"{count} PostgreSQL tests not run. {SKIP_REASON}", yellow=True)
