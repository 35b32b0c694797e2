"""``smlog migrate``: bring the configured store's schema up to date, then exit.

Services also migrate at start-up; running this first (as the compose file does) keeps
a deployment's schema change a step of its own. Several at once are safe: one migrates,
the others wait for it (``smlog.store.migrations``).
"""

from __future__ import annotations

import argparse
import asyncio

from smlog.cli.settings import settings_from_args
from smlog.store import migrate
from smlog.store.opening import connect
from smlog.store.postgres import redact_url


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from smlog.cli.main import add_config_flags

    p = sub.add_parser("migrate", help="apply the store's schema migrations and exit")
    add_config_flags(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    url = settings.store_url()
    applied = asyncio.run(_migrate(url, settings.db_pool_size))
    where = redact_url(url)
    if applied:
        print(f"{where}: applied {', '.join(f'{v:04d}' for v in applied)}")
    else:
        print(f"{where}: up to date")
    return 0


async def _migrate(url: str, pool_size: int) -> list[int]:
    db = await connect(url, readers=1, pool_size=min(pool_size, 2))
    try:
        return await migrate(db)
    finally:
        await db.close()
