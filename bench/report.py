"""The report benchmark, through the real reports process over gRPC.

``bench_report`` seeds a temporary store with one finished four-mode message of ``devices``
devices (and, with ``csv_1m``, a second one of 1,000,000), starts ``smlog serve reports`` on
it as a child process on free ports, and times CSV, DOCX and PDF downloads end to end (request
to last byte, bytes discarded by the client). The child's peak RSS is its ``VmHWM`` from
``/proc``; the process is restarted before the 1,000,000-row CSV so that figure is that
run's own peak.

    python -m smlog.bench.report --devices 100000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from smlog.auth import Right, mint_token
from smlog.bench.report_seed import DISTRICT_ID, USER_ID, seed_district, seed_message
from smlog.runtime import open_channel
from smlog.runtime.tasks import free_port
from smlog.store import migrate
from smlog.store.opening import connect
from smlog.store.statistics import refresh_statistics
from smlog.v1 import reports_pb2, reports_pb2_grpc

Progress = Callable[[str], None]
BIG_ROWS = 1_000_000
_F = reports_pb2.ReportFormat
_ROOT = Path(__file__).resolve().parents[1]
_RIGHTS = [Right.SENT_MESSAGE_LOG.value, Right.ALL_MESSAGES.value, Right.TYPE_GENERAL.value]


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size (``VmHWM``) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


async def _seed(url: str, devices: int, big: bool) -> None:
    db = await connect(url)
    try:
        await migrate(db)
        await seed_district(db)
        await seed_message(db, 1, devices)
        if big:
            await seed_message(db, 2, BIG_ROWS, seed=2)
        await refresh_statistics(db)
    finally:
        await db.close()


async def _wait_serving(target: str, proc: asyncio.subprocess.Process, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.returncode is not None:
            raise RuntimeError(f"smlog serve reports exited with {proc.returncode}")
        async with open_channel(target, timeout=1.0) as channel:
            try:
                reply = await health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service="")
                )
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"smlog serve reports was not healthy within {timeout:.0f} s")


@asynccontextmanager
async def reports_process(db_url: str, secret: str) -> AsyncIterator[tuple[int, str]]:
    """``smlog serve reports`` on free ports; yields its pid and gRPC target."""
    port, metrics_port = free_port(), free_port()
    command = [
        sys.executable, "-m", "smlog.cli.main", "serve", "reports", "--db-url", db_url,
        "--set", f"reports_port={port}", "--set", f"reports_metrics_port={metrics_port}",
    ]  # fmt: skip
    env = {**os.environ, "SMLOG_JWT_SECRET": secret, "SMLOG_LOG_LEVEL": "WARNING"}
    proc = await asyncio.create_subprocess_exec(
        *command, cwd=_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    target = f"127.0.0.1:{port}"
    try:
        await _wait_serving(target, proc, 60.0)
        yield proc.pid, target
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def download_seconds(target: str, token: str, message_id: int, fmt: int) -> float:
    """Seconds from the request to the last byte of one report (bytes counted, not kept)."""
    request = reports_pb2.BuildReportRequest(message_id=message_id, format=fmt)  # type: ignore[arg-type]
    async with open_channel(target, timeout=None, token=token) as channel:
        stub = reports_pb2_grpc.ReportServiceStub(channel)
        start = time.perf_counter()
        size = 0
        async for response in stub.BuildReport(request):
            size += len(response.chunk)
        elapsed = time.perf_counter() - start
    if size == 0:
        raise RuntimeError("the report was empty")
    return elapsed


async def bench_report(
    devices: int = 100_000,
    csv_1m: bool = True,
    progress: Progress | None = None,
    db_url: str = "",
) -> dict[str, float]:
    """``{"devices", "csv_s", "docx_s", "pdf_s", "peak_rss_mb"}``, and with ``csv_1m``
    ``"csv_1m_s"`` and ``"csv_1m_peak_rss_mb"``; on a temp SQLite file, or on the empty
    database at ``db_url``."""
    say = progress or (lambda _text: None)
    secret = secrets.token_urlsafe(32)
    token = mint_token(secret, user_id=USER_ID, district_id=DISTRICT_ID, rights=_RIGHTS)
    result: dict[str, float] = {"devices": float(devices)}
    with tempfile.TemporaryDirectory(prefix="smlog-report-bench-") as tmp:
        db_url = db_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        big = f" and {BIG_ROWS:,}" if csv_1m else ""
        say(f"seeding a message of {devices:,}{big} devices")
        await _seed(db_url, devices, csv_1m)
        async with reports_process(db_url, secret) as (pid, target):
            for name, fmt in (("csv", _F.REPORT_FORMAT_CSV), ("docx", _F.REPORT_FORMAT_DOCX)):
                result[f"{name}_s"] = await download_seconds(target, token, 1, fmt)
                say(f"{name}: {result[f'{name}_s']:.2f} s")
            result["pdf_s"] = await download_seconds(target, token, 1, _F.REPORT_FORMAT_PDF)
            say(f"pdf: {result['pdf_s']:.2f} s")
            result["peak_rss_mb"] = peak_rss_mb(pid)
        if csv_1m:
            async with reports_process(db_url, secret) as (pid, target):
                result["csv_1m_s"] = await download_seconds(target, token, 2, _F.REPORT_FORMAT_CSV)
                result["csv_1m_peak_rss_mb"] = peak_rss_mb(pid)
            say(f"csv 1,000,000 rows: {result['csv_1m_s']:.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--no-csv-1m", action="store_true", help="skip the 1,000,000-row CSV")
    args = parser.parse_args()
    result = asyncio.run(
        bench_report(args.devices, not args.no_csv_1m, lambda t: print(t, file=sys.stderr))
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
