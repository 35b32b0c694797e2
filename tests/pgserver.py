"""Throwaway PostgreSQL databases for the tests.

``SMLOG_TEST_PG_URL`` names a server the tests may create and drop databases on (an admin URL
such as ``postgresql://postgres@127.0.0.1:5432/postgres``). Each test that asks for one gets a
database of its own, named ``smlog_test_<random>``, dropped when the test ends; nothing else
on that server is touched. Without the variable the PostgreSQL tests are skipped and the run
says so at its end; in CI (``CI=true``) a missing variable is an error instead.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from smlog.store.throwaway import throwaway_database as store_throwaway

PG_URL_VARIABLE = "SMLOG_TEST_PG_URL"
# Which store the service tests run on: "sqlite" (default) or "postgres" (the second pass).
BACKEND_VARIABLE = "SMLOG_TEST_BACKEND"
SKIP_REASON = (
    f"PostgreSQL pass skipped: set {PG_URL_VARIABLE}="
    "postgresql://postgres@127.0.0.1:5432/postgres (a server the tests may create databases on)"
)


def admin_url() -> str | None:
    url = os.environ.get(PG_URL_VARIABLE, "").strip()
    if not url and os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{PG_URL_VARIABLE} is not set: CI must run the PostgreSQL pass")
    return url or None


@asynccontextmanager
async def throwaway_database() -> AsyncIterator[str]:
    """The URL of a new, empty database, dropped afterwards (skips without a server)."""
    admin = admin_url()
    if admin is None:
        pytest.skip(SKIP_REASON)
    async with store_throwaway(admin, "smlog_test") as url:
        yield url


def postgres_pass() -> bool:
    return os.environ.get(BACKEND_VARIABLE, "sqlite") == "postgres"


@asynccontextmanager
async def store_url_for_test(tmp_path: Path) -> AsyncIterator[str]:
    """The store a test's services use: empty (the SQLite file at ``db_path`` in
    ``tmp_path``), or a throwaway PostgreSQL database's URL in the PostgreSQL pass."""
    if not postgres_pass():
        yield ""
        return
    async with throwaway_database() as url:
        yield url
