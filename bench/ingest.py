"""The ingestion benchmark (``smlog bench ingest``; also ``python -m smlog.bench.ingest``).

A temp store with N attempts; the status service in this process; the load generator in a
second process (the 2-core target: one core each). Measures gRPC batch ingestion
(IngestEvents, batches of 5,000: every call returns once its events are applied) and signed
Voxology webhooks over HTTP (journaled with group commit, answered, then applied; the rate is
taken when the last one is applied).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
from google.protobuf.timestamp_pb2 import Timestamp

from smlog.auth import mint_service_token
from smlog.config import Settings
from smlog.runtime import GrpcHost, open_channel
from smlog.runtime.tasks import free_port
from smlog.services.status.service import create_parts
from smlog.signing import sign_voxology
from smlog.store import Database
from smlog.store.statistics import refresh_statistics
from smlog.v1 import status_pb2, status_pb2_grpc
from smlog.v1.common_pb2 import DeliveryMode, DeviceStatus

VOICE = DeliveryMode.DELIVERY_MODE_VOICE


async def seed(db: Database, attempts: int) -> None:
    now = int(time.time() * 1e6)
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO districts (id, name, time_zone, sms_short_code)"
            " VALUES (1, 'Bench', 'UTC', '55555')"
        )
        await tx.execute(
            "INSERT INTO messages (id, district_id, request_id, created_by_user_id,"
            " created_by_name, message_type, subject, subject_folded, delivery_modes,"
            " content_json, status, create_time) VALUES (1, 1, 'r', 'u', 'U', 1, 's', 's', 8,"
            " '{}', 1, ?)",
            (now,),
        )
        ids = range(1, attempts + 1)
        await tx.copy_rows(
            "recipients",
            ("id", "message_id", "person_id", "name"),
            [(i, 1, f"p{i}", "R") for i in ids],
        )
        await tx.copy_rows(
            "targets",
            ("id", "message_id", "recipient_id", "mode", "address", "priority", "status",
             "status_group", "attempt_count"),
            [(i, 1, i, 3, "+15555550100", 2, 1, 4, 1) for i in ids],
        )  # fmt: skip
        await tx.copy_rows(
            "attempts",
            ("id", "target_id", "message_id", "mode", "number", "idempotency_key", "status",
             "status_time", "create_time"),
            [(i, i, 1, 3, 1, f"k{i}", 1, now, now) for i in ids],
        )  # fmt: skip


def grpc_load(
    target: str, secret: str, attempts: int, batch: int, out: multiprocessing.Queue[float]
) -> None:
    async def run() -> float:
        statuses = [DeviceStatus.DEVICE_STATUS_IN_PROGRESS, DeviceStatus.DEVICE_STATUS_BUSY]
        requests = []
        for round_, status in enumerate(statuses):
            for lo in range(1, attempts + 1, batch):
                requests.append(
                    status_pb2.IngestEventsRequest(
                        events=[
                            status_pb2.StatusEvent(
                                event_id=f"g{round_}-{i}",
                                attempt_id=i,
                                status=status,
                                event_time=Timestamp(seconds=int(time.time())),
                                vendor_code="busy",
                                source="loadtest",
                            )
                            for i in range(lo, min(lo + batch, attempts + 1))
                        ]
                    )
                )
        token = mint_service_token(secret, "loadtest")
        async with open_channel(target, token=token, timeout=60) as channel:
            stub = status_pb2_grpc.StatusServiceStub(channel)
            started = time.perf_counter()
            sem = asyncio.Semaphore(2)

            async def send(request: status_pb2.IngestEventsRequest) -> None:
                async with sem:
                    await stub.IngestEvents(request)

            await asyncio.gather(*(send(r) for r in requests))
            return 2 * attempts / (time.perf_counter() - started)

    out.put(asyncio.run(run()))


def http_load(
    url: str,
    secret: str,
    first: int,
    count: int,
    concurrency: int,
    out: multiprocessing.Queue[float],
) -> None:
    async def run() -> float:
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as http:
            ids = iter(range(first, first + count))
            failures = 0

            async def worker() -> None:
                nonlocal failures
                for attempt in ids:
                    body = json.dumps(
                        {
                            "event_id": f"h-{attempt}",
                            "call_id": "CA1",
                            "status": "completed",
                            "digits": "0",
                            "timestamp": "2026-03-09T15:00:00Z",
                        }
                    ).encode()
                    target = f"{url}/webhooks/voxology/call?attempt_id={attempt}"
                    signed = sign_voxology(secret, body, url=target)
                    headers = {"Content-Type": "application/json", **signed}
                    async with http.post(
                        target,
                        data=body,
                        headers=headers,
                    ) as r:
                        await r.read()
                        failures += r.status != 200

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed = time.perf_counter() - started
            if failures:
                print(f"  {failures} webhooks failed")
            return count / elapsed

    out.put(asyncio.run(run()))


async def bench_ingest(
    attempts: int = 100_000,
    webhooks: int = 20_000,
    say: Callable[[str], object] = print,
    db_url: str = "",
) -> dict[str, float]:
    """The figures on a temp SQLite file, or on the empty database at ``db_url``."""
    with tempfile.TemporaryDirectory(prefix="smlog-ingest-bench-") as tmp:
        settings = Settings(
            db_path=str(Path(tmp) / "bench.db"), db_url=db_url, dispatch_port=free_port()
        )
        built = await create_parts(settings, http_port=0)
        host = GrpcHost(built.parts, settings, port=0)
        await host.start()
        try:
            db = built.worker._db
            await seed(db, attempts)
            await refresh_statistics(db)
            ctx = multiprocessing.get_context("spawn")
            out: multiprocessing.Queue[float] = ctx.Queue()
            proc = ctx.Process(
                target=grpc_load,
                args=(f"127.0.0.1:{host.port}", settings.service_jwt_secret, attempts, 5000, out),
            )
            proc.start()
            await asyncio.to_thread(proc.join)
            grpc_rate = out.get()
            say(f"gRPC IngestEvents: {2 * attempts:,} events, {grpc_rate:,.0f} events/s")
            url = f"http://127.0.0.1:{built.edge.port}"
            started = time.perf_counter()
            proc = ctx.Process(
                target=http_load,
                args=(url, settings.voxology_webhook_secret, 1, webhooks, 64, out),
            )
            proc.start()
            await asyncio.to_thread(proc.join)
            answered = out.get()
            while True:
                row = await db.fetch_one("SELECT count(*) FROM webhook_journal WHERE state = 0")
                if row is not None and row[0] == 0:
                    break
                await asyncio.sleep(0.02)
            total = time.perf_counter() - started
            applied = webhooks / total
            say(f"HTTP webhooks: {webhooks:,} signed posts, {answered:,.0f}/s answered")
            say(f"HTTP webhooks: all applied after {total:.2f} s = {applied:,.0f}/s")
        finally:
            await host.stop(0)
    return {
        "attempts": attempts,
        "webhooks": webhooks,
        "grpc_events": 2 * attempts,
        "webhook_events_per_s": round(applied, 1),
        "webhook_answered_per_s": round(answered, 1),
        "grpc_events_per_s": round(grpc_rate, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m smlog.bench.ingest")
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--webhooks", type=int, default=20_000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(bench_ingest(args.attempts, args.webhooks))))
