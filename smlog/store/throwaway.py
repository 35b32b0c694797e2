"""Throwaway PostgreSQL databases: created on a server for one run (a benchmark, a test) and
dropped afterwards, nothing else on that server touched."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from smlog.store.database import identifier

__all__ = ["drop_database", "throwaway_database", "with_database"]


def with_database(url: str, name: str) -> str:
    """``url`` (``postgresql://user@host:port/db``) naming database ``name`` instead."""
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@asynccontextmanager
async def throwaway_database(admin_url: str, prefix: str = "smlog_tmp") -> AsyncIterator[str]:
    """The URL of a new, empty database named ``<prefix>_<random>`` on the server at
    ``admin_url`` (a URL the caller may create databases with), dropped afterwards."""
    name = identifier(f"{prefix}_{secrets.token_hex(6)}")
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield with_database(admin_url, name)
    finally:
        await drop_database(admin_url, name)


async def drop_database(admin_url: str, name: str) -> None:
    """Drop database ``name`` on the server at ``admin_url``, if it is there (its sessions
    are ended first)."""
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{identifier(name)}" WITH (FORCE)')
    finally:
        await conn.close()
