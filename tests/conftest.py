"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from smlog.config import Settings
from smlog.runtime.tasks import free_port
from tests.pgserver import store_url_for_test

__all__ = ["free_port", "settings"]


@pytest.fixture
async def settings(tmp_path: Path) -> AsyncIterator[Settings]:
    """Settings on a fresh store; the JSON log format, a short grace period.

    The store is a temp SQLite file, or, in the PostgreSQL pass (``SMLOG_TEST_BACKEND=postgres``),
    a throwaway PostgreSQL database (``tests/pgserver.py``)."""
    base = Settings.load(env={}, overrides={"db_path": str(tmp_path / "smlog.db")}).replace(
        grace_seconds=1.0
    )
    async with store_url_for_test(tmp_path) as url:
        yield base.replace(db_url=url)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly, at the end of the run, when the PostgreSQL pass did not run."""
    from tests.pgserver import SKIP_REASON

    skipped = terminalreporter.stats.get("skipped", [])
    count = sum(1 for report in skipped if SKIP_REASON in str(getattr(report, "longrepr", "")))
    if count:
        terminalreporter.write_line(f"{count} PostgreSQL tests not run. {SKIP_REASON}", yellow=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the PostgreSQL pass, run only the tests that use a store: those that take the
    ``settings`` fixture (whose store follows the pass) or carry the ``store`` marker."""
    from tests.pgserver import postgres_pass

    if not postgres_pass():
        return
    keep, drop = [], []
    for item in items:
        uses_store = "settings" in getattr(item, "fixturenames", ())
        (keep if uses_store or item.get_closest_marker("store") else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
