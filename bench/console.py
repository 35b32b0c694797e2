"""``smlog bench console``: the web console's log page and Message Detail page on the query
benchmark's store (50,000 messages), timed from an HTTP client: p50/p99 in milliseconds,
gRPC calls to the log service and HTML rendering included.

The log service and the console run in this process on free ports, the console in proxy
sign-in mode (each request carries the person's signed token, as behind the identity proxy).
The requests are the query benchmark's: each single filter of the seed, as the log page's URL
(``log_page_<filter>_p99_ms`` per filter).
"""

from __future__ import annotations

import random
import time

import aiohttp
from aiohttp import web

from smlog.auth import Right, mint_token
from smlog.bench.query import LIST_FILTERS, load_sampler, percentile
from smlog.config import Settings
from smlog.runtime import GrpcHost
from smlog.runtime.tasks import free_port
from smlog.services.console.log_filters import TYPE_NAMES
from smlog.services.console.service import create_app
from smlog.services.log.service import create
from smlog.v1 import common_pb2, log_pb2

HEADER = "X-Smlog-Identity"


def _day(date: common_pb2.Date) -> str:
    return f"{date.year:04d}-{date.month:02d}-{date.day:02d}"


def log_query(request: log_pb2.ListMessagesRequest) -> dict[str, str]:
    """The log page's URL query for a ListMessages request (its first type only: the page's
    Message Type filter takes one)."""
    query = {"scope": "my" if request.scope == log_pb2.MESSAGE_SCOPE_MY else "all"}
    if request.message_id:
        query["message_id"] = str(request.message_id)
    if request.HasField("start_date"):
        query["start"] = _day(request.start_date)
    if request.HasField("end_date"):
        query["end"] = _day(request.end_date)
    if request.calendar_id:
        query["calendar"] = str(request.calendar_id)
    if request.subject:
        query["subject"] = request.subject
    if request.message_types:
        query["type"] = TYPE_NAMES[request.message_types[0]]
    return query


async def bench_console(
    settings: Settings, *, rounds: int = 200, seed: int = 7
) -> dict[str, float]:
    rng = random.Random(seed)
    sampler = await load_sampler(settings, rng)
    host = GrpcHost(await create(settings), settings, port=0)
    await host.start()
    console = settings.replace(log_port=host.port, console_sign_in="proxy",
                               console_proxy_header=HEADER)  # fmt: skip
    runner = web.AppRunner(create_app(console), access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    every = [r.value for r in Right]

    def who(user: str) -> dict[str, str]:
        return {HEADER: mint_token(settings.jwt_secret, user_id=user, district_id=1, rights=every)}

    admin = who("bench-admin")
    per_filter: dict[str, list[float]] = {kind: [] for kind in LIST_FILTERS}
    detail_samples: list[float] = []
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:

            async def timed(samples: list[float], path: str, headers: dict[str, str],
                            params: dict[str, str] | None = None) -> None:  # fmt: skip
                start = time.perf_counter()
                async with http.get(base + path, params=params, headers=headers) as resp:
                    await resp.read()
                    if resp.status != 200:
                        raise RuntimeError(f"{path} {params}: HTTP {resp.status}")
                samples.append((time.perf_counter() - start) * 1000)

            for n in range(rounds + 5):
                warm = n < 5  # warms caches and connections; not recorded
                for kind in LIST_FILTERS:
                    request = sampler.list_request(kind)
                    headers = admin
                    if kind == "my":
                        request.scope = log_pb2.MESSAGE_SCOPE_MY
                        headers = who(rng.choice(sampler.users))
                    target = [] if warm else per_filter[kind]
                    await timed(target, "/", headers, log_query(request))
                path = f"/messages/{rng.choice(sampler.ids)}"
                await timed([] if warm else detail_samples, path, admin)
    finally:
        await runner.cleanup()
        await host.stop(0)
    log_samples = [s for samples in per_filter.values() for s in samples]
    figures = {
        "log_page_p50_ms": percentile(log_samples, 50),
        "log_page_p99_ms": percentile(log_samples, 99),
        "detail_page_p50_ms": percentile(detail_samples, 50),
        "detail_page_p99_ms": percentile(detail_samples, 99),
    }
    for kind, samples in per_filter.items():
        figures[f"log_page_{kind}_p99_ms"] = percentile(samples, 99)
    return {k: round(v, 3) for k, v in figures.items()}
