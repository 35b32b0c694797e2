"""The recipient search benchmark (``smlog bench query``): SearchDeliveries by phone, email and
name, through the real servicer over a real gRPC channel, on the store the query benchmark
seeded (``smlog.bench.log_seed``). Reports p50/p99 in milliseconds per kind.

The searched people are drawn from stored targets of the district: a phone or email address as
stored (written in another common form: "(555) 555-0123", upper-case email), and a person's
whole name as the prefix (among names that start at most a few others, see ``_specific``).
"""

from __future__ import annotations

import random
import time

from smlog.auth import Right, mint_token
from smlog.bench.query import percentile
from smlog.config import Settings
from smlog.runtime import GrpcHost, open_channel
from smlog.services.log.service import create
from smlog.store import open_database
from smlog.v1 import log_pb2, log_pb2_grpc

KINDS = ("phone", "email", "name")


def _specific(name: str) -> bool:
    """Whether a seeded name ("Person N", N up to about 10,000) is a prefix of at most a few
    names: "Person 12" also starts "Person 120" to "Person 12999" (over the search's limit of
    different names), "Person 1234" at most 11. A real person's whole name starts few others."""
    number = name.rpartition(" ")[2]
    return not number.isdigit() or int(number) >= 1000


def _written(phone: str) -> str:
    digits = phone[-10:]
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


async def _terms(
    settings: Settings, rng: random.Random, district_id: int, count: int
) -> dict[str, list[str]]:
    """``count`` search terms of each kind, from targets of the district picked at random."""
    db = await open_database(settings)
    terms: dict[str, list[str]] = {k: [] for k in KINDS}
    try:
        row = await db.fetch_one("SELECT max(id) FROM targets")
        top = int(row[0]) if row is not None and row[0] is not None else 0
        if not top:
            raise ValueError("no targets stored; seed first")
        tries = 0
        while min(len(v) for v in terms.values()) < count and tries < count * 200:
            tries += 1
            found = await db.fetch_one(
                "SELECT t.mode, t.address, r.name FROM targets t"
                " JOIN recipients r ON r.id = t.recipient_id"
                " JOIN messages m ON m.id = t.message_id"
                " WHERE t.id = ? AND m.district_id = ? AND t.address <> ''",
                (rng.randint(1, top), district_id),
            )
            if found is None:
                continue
            mode, address, name = int(found[0]), str(found[1]), str(found[2])
            if mode in (3, 4) and len(terms["phone"]) < count:
                terms["phone"].append(_written(address))
            elif mode == 2 and len(terms["email"]) < count:
                terms["email"].append(address.upper())
            if len(terms["name"]) < count and _specific(name):
                terms["name"].append(name)
    finally:
        await db.close()
    return terms


async def bench_search(
    settings: Settings, *, rounds: int = 200, district_id: int = 1, seed: int = 11
) -> dict[str, float]:
    """p50/p99 (ms) of SearchDeliveries (first page of 50) per kind of search."""
    rng = random.Random(seed)
    warm = 5
    terms = await _terms(settings, rng, district_id, rounds + warm)
    parts = await create(settings)
    host = GrpcHost(parts, settings, port=0)
    await host.start()
    token = mint_token(
        settings.jwt_secret,
        user_id="bench-admin",
        district_id=district_id,
        rights=[r.value for r in Right],
    )
    channel = open_channel(f"127.0.0.1:{host.port}", token=token, timeout=60)
    samples: dict[str, list[float]] = {k: [] for k in KINDS}
    try:
        stub = log_pb2_grpc.SentMessageLogServiceStub(channel)
        for kind in KINDS:
            for n, term in enumerate(terms[kind]):
                request = log_pb2.SearchDeliveriesRequest(page_size=50)
                setattr(request, kind, term)
                start = time.perf_counter()
                await stub.SearchDeliveries(request)
                if n >= warm:  # the first searches warm caches and the connection
                    samples[kind].append((time.perf_counter() - start) * 1000)
    finally:
        await channel.close(None)
        await host.stop(0)
    result: dict[str, float] = {}
    for kind in KINDS:
        result[f"search_{kind}_p50_ms"] = round(percentile(samples[kind], 50), 3)
        result[f"search_{kind}_p99_ms"] = round(percentile(samples[kind], 99), 3)
    return result
