"""The log's query benchmark, through the real servicer in-process over a real gRPC channel.

``bench_queries`` times ListMessages (page of 50, each single filter of the seed), GetMessage
and ListDeliveries (page of 100, unfiltered or by mode or status) on a store seeded by
``smlog.bench.log_seed.seed_store`` and reports p50/p99 in milliseconds.

    python -m smlog.bench.query --db var/bench.db --seed   # seeds 50,000 / 2,000,000 first
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from typing import Any

from smlog.auth import Right, mint_token
from smlog.bench.log_seed import seed_store
from smlog.config import Settings
from smlog.runtime import GrpcHost, open_channel
from smlog.services.log.service import create
from smlog.store import open_database
from smlog.v1 import log_pb2, log_pb2_grpc
from smlog.v1.common_pb2 import Date, DeviceStatus

LIST_FILTERS = ("none", "my", "message_id", "dates", "calendar", "subject", "type", "types")
_SUBJECT_WORDS = ("snow", "bus", "picture day", "drill", "report card", "lunch")


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile of ``samples`` (milliseconds)."""
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _date(us: int) -> Date:
    t = time.gmtime(us // 1_000_000)
    return Date(year=t.tm_year, month=t.tm_mon, day=t.tm_mday)


class Sampler:
    """Random requests over the seeded store: each single filter of the seed, and deliveries."""

    def __init__(self, rng: random.Random, ids: list[int], times: list[int], users: list[str]):
        self.rng = rng
        self.ids = ids
        self.times = times
        self.users = users

    def list_request(self, kind: str) -> log_pb2.ListMessagesRequest:
        r = self.rng
        req = log_pb2.ListMessagesRequest(page_size=50, scope=log_pb2.MESSAGE_SCOPE_ALL)
        if kind == "message_id":
            req.message_id = r.choice(self.ids)
        elif kind == "dates":
            start = r.choice(self.times)
            req.start_date.CopyFrom(_date(start))
            req.end_date.CopyFrom(_date(start + r.choice((0, 1, 7, 30)) * 86_400_000_000))
        elif kind == "calendar":
            req.calendar_id = 1000 + r.randrange(20)
        elif kind == "subject":
            req.subject = r.choice(_SUBJECT_WORDS)
        elif kind == "type":
            req.message_types.append(r.randint(1, 5))  # type: ignore[arg-type]
        elif kind == "types":
            req.message_types.extend(r.sample(range(1, 6), 2))  # type: ignore[arg-type]
        return req

    def deliveries_request(self) -> log_pb2.ListDeliveriesRequest:
        req = log_pb2.ListDeliveriesRequest(message_id=self.rng.choice(self.ids))
        pick = self.rng.random()
        if pick < 0.25:
            req.delivery_modes.append(self.rng.randint(1, 4))  # type: ignore[arg-type]
        elif pick < 0.5:
            req.statuses.extend(
                [DeviceStatus.DEVICE_STATUS_FAILED, DeviceStatus.DEVICE_STATUS_UNDELIVERED]
            )
        return req


async def _timed(samples: list[float], method: Any, request: Any) -> Any:
    """Awaits ``method(request)`` (a stub method) and records its latency in ms."""
    start = time.perf_counter()
    result = await method(request)
    samples.append((time.perf_counter() - start) * 1000)
    return result


async def load_sampler(settings: Settings, rng: random.Random, district_id: int = 1) -> Sampler:
    """A sampler over the messages of one district of the store at ``settings.db_path``."""
    db = await open_database(settings)
    try:
        rows = await db.fetch_all(
            "SELECT id, sent_time, created_by_user_id FROM messages"
            " WHERE district_id = ? AND sent_time IS NOT NULL",
            (district_id,),
        )
    finally:
        await db.close()
    if not rows:
        raise ValueError(f"{settings.db_path}: no messages in district {district_id}; seed first")
    return Sampler(
        rng,
        [int(r[0]) for r in rows],
        [int(r[1]) for r in rows],
        sorted({str(r[2]) for r in rows}),
    )


async def bench_queries(
    settings: Settings, *, rounds: int = 200, district_id: int = 1, seed: int = 7
) -> dict[str, float]:
    """p50/p99 (ms) of the log's queries on the store at ``settings.db_path``."""
    rng = random.Random(seed)
    sampler = await load_sampler(settings, rng, district_id)
    parts = await create(settings)
    host = GrpcHost(parts, settings, port=0)
    await host.start()
    every = [r.value for r in Right]
    channels = []
    try:

        def stub(user: str, rights: list[str]) -> log_pb2_grpc.SentMessageLogServiceStub:
            token = mint_token(
                settings.jwt_secret, user_id=user, district_id=district_id, rights=rights
            )
            channel = open_channel(f"127.0.0.1:{host.port}", token=token, timeout=60)
            channels.append(channel)
            return log_pb2_grpc.SentMessageLogServiceStub(channel)

        admin = stub("bench-admin", every)
        samples: dict[str, list[float]] = {k: [] for k in LIST_FILTERS}
        get_samples: list[float] = []
        delivery_samples: list[float] = []
        for n in range(rounds + 5):
            warm = n < 5  # the first rounds warm caches and connections; not recorded
            for kind in LIST_FILTERS:
                target: list[float] = [] if warm else samples[kind]
                request = sampler.list_request(kind)
                if kind == "my":
                    mine = stub(rng.choice(sampler.users), every)
                    request.scope = log_pb2.MESSAGE_SCOPE_MY
                    await _timed(target, mine.ListMessages, request)
                else:
                    await _timed(target, admin.ListMessages, request)
            message = log_pb2.GetMessageRequest(message_id=rng.choice(sampler.ids))
            await _timed([] if warm else get_samples, admin.GetMessage, message)
            deliveries = sampler.deliveries_request()
            await _timed([] if warm else delivery_samples, admin.ListDeliveries, deliveries)
            for channel in channels[1:]:
                await channel.close(None)
            del channels[1:]
    finally:
        for channel in channels:
            await channel.close(None)
        await host.stop(0)
    listed = [s for kind in LIST_FILTERS for s in samples[kind]]
    result = {
        "list_messages_p50_ms": percentile(listed, 50),
        "list_messages_p99_ms": percentile(listed, 99),
        "get_message_p50_ms": percentile(get_samples, 50),
        "get_message_p99_ms": percentile(get_samples, 99),
        "list_deliveries_p50_ms": percentile(delivery_samples, 50),
        "list_deliveries_p99_ms": percentile(delivery_samples, 99),
    }
    for kind in LIST_FILTERS:
        result[f"list_messages_{kind}_p50_ms"] = percentile(samples[kind], 50)
        result[f"list_messages_{kind}_p99_ms"] = percentile(samples[kind], 99)
    return {k: round(v, 3) for k, v in result.items()}


async def _main(args: argparse.Namespace) -> None:
    settings = Settings.load().replace(db_path=args.db)
    if args.seed:
        db = await open_database(settings)
        try:
            start = time.perf_counter()
            summary = await seed_store(db, args.messages, args.attempts)
            print(f"seeded {summary} in {time.perf_counter() - start:.1f} s")
        finally:
            await db.close()
    print(json.dumps(await bench_queries(settings, rounds=args.rounds), indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m smlog.bench.query")
    parser.add_argument("--db", required=True)
    parser.add_argument("--seed", action="store_true", help="seed an empty store first")
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--attempts", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=200)
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
