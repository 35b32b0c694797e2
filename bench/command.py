"""``smlog bench <dispatch|ingest|query|report|all>``: the benchmarks, apart from the tests.

Each prints a human summary and, as its last line, one JSON object with its figures and sizes
(the keys are stable so that runs can be compared over time). Sizes are flags; the defaults
are the sizes the issues set the bars for, and ``--quick`` picks sizes that fit in a minute.

``--db postgres`` runs a benchmark on PostgreSQL instead of a SQLite file: in a database it
creates on the server at ``--pg-url`` and drops at the end. Every result also names its
``backend`` and its number of dispatch ``workers``: ``--workers N`` runs the dispatch
benchmark with N dispatch processes on one PostgreSQL database (docs/scale-out.md). The query
benchmark's store takes minutes to seed; ``--pg-db NAME`` keeps it in database ``NAME``
instead (created and seeded by the first run, reused by the next ones, never dropped by the
benchmark).
"""

from __future__ import annotations

import argparse
import asyncio
import fnmatch
import json
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from smlog.cli.settings import settings_from_args
from smlog.config import Settings
from smlog.errors import ConfigError
from smlog.store.database import identifier
from smlog.store.postgres import redact_url
from smlog.store.throwaway import throwaway_database, with_database

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BenchFn = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, dict[str, Any]]]
BARS: dict[str, list[tuple[str, str, float]]] = {
    "dispatch": [
        ("attempts_per_s", ">=", 1000.0),
        ("duplicates", "==", 0),
        ("lost", "==", 0),
        ("status_lag_p99_s", "<", 10.0),
    ],
    "ingest": [("webhook_events_per_s", ">=", 2000.0), ("grpc_events_per_s", ">=", 20000.0)],
    "query": [
        ("list_messages_p99_ms", "<", 25.0),
        ("list_messages_*_p99_ms", "<", 25.0),  # each filter
        ("get_message_p99_ms", "<", 25.0),
        ("list_deliveries_p99_ms", "<", 25.0),
        ("search_phone_p99_ms", "<", 25.0),
        ("search_email_p99_ms", "<", 25.0),
        ("search_name_p99_ms", "<", 25.0),
    ],
    "console": [("log_page_p99_ms", "<", 100.0), ("detail_page_p99_ms", "<", 100.0)],
    "report": [
        ("csv_s", "<", 1.0),
        ("docx_s", "<", 5.0),
        ("pdf_s", "<", 10.0),
        ("csv_1m_peak_rss_mb", "<", 300.0),
    ],
}
# The bar for dispatch on PostgreSQL (one or several workers) is higher.
POSTGRES_BARS: dict[str, list[tuple[str, str, float]]] = {
    "dispatch": [("attempts_per_s", ">=", 1500.0)],
}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("bench", help="run a benchmark and print its figures")
    p.add_argument("which", choices=[*BENCHES, "all"])
    p.add_argument("--quick", action="store_true", help="small sizes (about a minute)")
    p.add_argument("--dir", type=Path, default=Path("var/bench"), help="work directory")
    p.add_argument("--recipients", type=int, help="dispatch: recipients (default 20,000)")
    p.add_argument("--messages", type=int, help="query: messages (default 50,000)")
    p.add_argument(
        "--attempts", type=int, help="query: attempts (2,000,000); ingest: attempts (100,000)"
    )
    p.add_argument("--webhooks", type=int, help="ingest: signed webhooks (default 20,000)")
    p.add_argument("--rounds", type=int, help="query: rounds of every call (default 200)")
    p.add_argument(
        "--scale",
        type=int,
        default=1,
        help="query: times the default sizes (5: 250,000 messages, 10,000,000 attempts)",
    )
    p.add_argument("--devices", type=int, help="report: devices (default 100,000)")
    p.add_argument("--no-csv-1m", action="store_true", help="report: skip the 1M-row CSV")
    p.add_argument(
        "--db", dest="backend", choices=["sqlite", "postgres"], default="sqlite",
        help="the store to measure (default sqlite)",
    )  # fmt: skip
    p.add_argument(
        "--pg-url", default=DEFAULT_PG_URL,
        help=f"--db postgres: a server to create a throwaway database on ({DEFAULT_PG_URL})",
    )  # fmt: skip
    p.add_argument(
        "--workers", type=int, default=1,
        help="dispatch: dispatch processes on one database (more than 1 needs --db postgres)",
    )  # fmt: skip
    p.add_argument(
        "--pg-db", metavar="NAME",
        help="--db postgres, query: keep the seeded store in database NAME for later runs",
    )  # fmt: skip
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    p.set_defaults(run=run)


@asynccontextmanager
async def bench_store(args: argparse.Namespace, name: str) -> AsyncIterator[str]:
    """The store a benchmark runs on: "" (its SQLite file) or a throwaway PostgreSQL
    database's URL, dropped afterwards."""
    if args.backend != "postgres":
        yield ""
        return
    if name == "query" and args.pg_db:
        print(f"on PostgreSQL: database {args.pg_db} on {redact_url(args.pg_url)}, kept")
        yield await named_database(args.pg_url, args.pg_db)
        return
    print(f"on PostgreSQL: a throwaway database on {redact_url(args.pg_url)}")
    async with throwaway_database(args.pg_url, f"smlog_bench_{name}") as url:
        yield url


async def named_database(admin_url: str, name: str) -> str:
    """The URL of database ``name`` on the server at ``admin_url``, created if missing."""
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        name = identifier(name)
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(admin_url, name)


async def _seeded_messages(settings: Settings) -> int:
    """How many messages the store at ``settings`` holds (0 when it has none yet)."""
    from smlog.store import open_database

    db = await open_database(settings)
    try:
        row = await db.fetch_one("SELECT count(*) FROM messages")
    finally:
        await db.close()
    return int(row[0]) if row is not None else 0


def _size(value: int | None, full: int, quick: int, args: argparse.Namespace) -> int:
    if value is not None:
        return value
    return quick if args.quick else full


async def seeded_log_store(
    args: argparse.Namespace, settings: Settings
) -> tuple[Settings, int, int]:
    """The query benchmark's store (50,000 messages, 2,000,000 attempts unless resized),
    seeded once into the bench directory and reused; settings pointing at it."""
    from smlog.bench.log_seed import seed_store
    from smlog.store import open_database

    if args.scale < 1:
        raise ConfigError("--scale must be 1 or more")
    messages = _size(args.messages, 50_000 * args.scale, 5_000 * args.scale, args)
    attempts = _size(args.attempts, 2_000_000 * args.scale, 200_000 * args.scale, args)
    path = args.dir / f"query-{messages}-{attempts}.db"
    settings = settings.replace(db_path=str(path))
    # A SQLite file, or a named PostgreSQL database (--pg-db), is kept for the next run.
    if args.backend == "postgres" and args.pg_db:
        found = await _seeded_messages(settings)
        if found not in (0, messages):
            raise ConfigError(f"database {args.pg_db} holds {found:,} messages, not {messages:,}")
        reuse = found == messages
    else:
        reuse = not settings.db_url and path.exists()
    if not reuse:
        print(f"seeding {messages:,} messages and {attempts:,} attempts ...")
        start = time.perf_counter()
        db = await open_database(settings)
        try:
            await seed_store(db, messages, attempts)
        except BaseException:
            await db.close()
            if not settings.db_url:  # a half-seeded --pg-db database is the caller's to drop
                path.unlink(missing_ok=True)
            raise
        await db.close()
        print(f"seeded in {time.perf_counter() - start:.1f} s")
    return settings, messages, attempts


async def bench_query(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    from smlog.bench.query import bench_queries
    from smlog.bench.search import bench_search

    rounds = _size(args.rounds, 200, 50, args)
    async with bench_store(args, "query") as url:
        settings, messages, attempts = await seeded_log_store(args, settings.replace(db_url=url))
        figures = await bench_queries(settings, rounds=rounds)
        figures.update(await bench_search(settings, rounds=rounds))
    keys = [k for k in figures if k.count("_") <= 3]  # the headline keys
    for key in keys:
        print(f"  {key:<26} {figures[key]:8.2f}")
    return {"messages": messages, "attempts": attempts, "rounds": rounds, **figures}


async def bench_report_cmd(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    from smlog.bench.report import bench_report

    devices = _size(args.devices, 100_000, 20_000, args)
    async with bench_store(args, "report") as url:
        figures = await bench_report(
            devices, csv_1m=not (args.no_csv_1m or args.quick), progress=print, db_url=url
        )
    for key, value in figures.items():
        print(f"  {key:<22} {value:10.2f}")
    return {**figures, "devices": devices}


async def bench_dispatch_cmd(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    from smlog.bench.dispatch import bench_dispatch

    async with bench_store(args, "dispatch") as url:
        figures = await bench_dispatch(
            _size(args.recipients, 20_000, 2_000, args), db_url=url, workers=args.workers
        )
    for key, value in figures.items():
        print(f"  {key:<22} {value}")
    return figures


async def bench_ingest_cmd(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    from smlog.bench.ingest import bench_ingest

    attempts = _size(args.attempts, 100_000, 20_000, args)
    webhooks = _size(args.webhooks, 20_000, 5_000, args)
    async with bench_store(args, "ingest") as url:
        return await bench_ingest(attempts, webhooks, db_url=url)


async def bench_console_cmd(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    from smlog.bench.console import bench_console

    settings, messages, attempts = await seeded_log_store(args, settings)
    rounds = _size(args.rounds, 200, 50, args)
    figures = await bench_console(settings, rounds=rounds)
    for key, value in figures.items():
        print(f"  {key:<22} {value:8.2f}")
    return {"messages": messages, "attempts": attempts, "rounds": rounds, **figures}


BENCHES: dict[str, BenchFn] = {
    "dispatch": bench_dispatch_cmd,
    "ingest": bench_ingest_cmd,
    "query": bench_query,
    "report": bench_report_cmd,
    "console": bench_console_cmd,
}


def _check(name: str, figures: dict[str, Any]) -> list[str]:
    """The figures that miss their bars; a bar's key may be a pattern (``*``)."""
    missed = []
    bars = BARS.get(name, [])
    if figures.get("backend") == "postgres":
        bars = [*bars, *POSTGRES_BARS.get(name, [])]
    for pattern, op, bar in bars:
        for key in fnmatch.filter(figures, pattern):
            value = figures[key]
            ok = {">=": value >= bar, "<": value < bar, "==": value == bar}[op]
            if not ok:
                missed.append(f"{key} = {value} (bar: {op} {bar:g})")
    return missed


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    if args.workers > 1 and args.backend != "postgres":
        raise ConfigError(
            f"--workers {args.workers}: SQLite supports one dispatch process; add --db postgres"
        )
    args.dir.mkdir(parents=True, exist_ok=True)
    names = list(BENCHES) if args.which == "all" else [args.which]
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        print(f"== bench {name} ==")
        start = time.perf_counter()
        figures = asyncio.run(BENCHES[name](args, settings))
        figures.update(backend=args.backend, workers=figures.get("workers", 1))
        missed = _check(name, figures)
        verdict = "meets its bars" if not missed else "MISSES: " + "; ".join(missed)
        print(f"bench {name}: {verdict} ({time.perf_counter() - start:.0f} s)")
        results[name] = figures
    print(json.dumps(results[names[0]] if len(names) == 1 else results))
    return 0
