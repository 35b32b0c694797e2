"""Micro benchmark of the renderers on synthetic rows: seconds, bytes and peak RSS per format.

``python -m smlog.bench.render --rows 100000`` prints a table; ``smlog bench
report`` calls bench_render(). Peak RSS is the process's high-water mark (ru_maxrss) after
each format, so it only grows from one format to the next: run one format per process
(``--formats csv``) to see that format's own peak.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from collections.abc import AsyncIterator, Sequence

from smlog.bench.synthetic import sample_context, synthetic_row
from smlog.readmodel import DeliveryRow
from smlog.services.reports.render.api import render
from smlog.v1.reports_pb2 import ReportFormat

FORMATS: dict[str, int] = {
    "csv": ReportFormat.REPORT_FORMAT_CSV,
    "pdf": ReportFormat.REPORT_FORMAT_PDF,
    "docx": ReportFormat.REPORT_FORMAT_DOCX,
}


def peak_rss_mb() -> float:
    """The process's peak resident set size so far, in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


async def _pooled_rows(
    count: int, pool: Sequence[DeliveryRow]
) -> AsyncIterator[Sequence[DeliveryRow]]:
    """``count`` rows as batches cut from one ready pool: the renderer's time only."""
    for start in range(0, count, len(pool)):
        yield pool[: min(len(pool), count - start)]


async def bench_render(
    rows: int = 100_000, formats: Sequence[str] = ("csv", "pdf", "docx"), batch_size: int = 2000
) -> dict[str, float]:
    """Renders ``rows`` synthetic rows per format, discarding the bytes.

    The rows are batches cut from one pool of ``batch_size`` distinct rows made beforehand,
    so the times are the renderers' alone (making a frozen DeliveryRow costs several
    microseconds; in the service that is the store's side). Keys, per format:
    ``<fmt>_seconds``, ``<fmt>_bytes``, ``<fmt>_peak_rss_mb``; and ``rows``.
    """
    result: dict[str, float] = {"rows": float(rows)}
    pool = [synthetic_row(i) for i in range(batch_size)]
    for name in formats:
        size = 0
        start = time.perf_counter()
        async for chunk in render(FORMATS[name], sample_context(rows), _pooled_rows(rows, pool)):
            size += len(chunk.data)
        result[f"{name}_seconds"] = time.perf_counter() - start
        result[f"{name}_bytes"] = float(size)
        result[f"{name}_peak_rss_mb"] = peak_rss_mb()
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,pdf,docx", help="comma-separated")
    parser.add_argument("--batch-size", type=int, default=2000)
    args = parser.parse_args(argv)
    formats = [f for f in args.formats.split(",") if f]
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        parser.error(f"unknown formats: {', '.join(unknown)}")
    result = asyncio.run(bench_render(args.rows, formats, args.batch_size))
    print(f"{args.rows:,} rows, batches of {args.batch_size:,}")
    for name in formats:
        print(
            f"{name:5} {result[f'{name}_seconds']:6.2f} s  {result[f'{name}_bytes'] / 1e6:8.1f} MB"
            f"  peak RSS {result[f'{name}_peak_rss_mb']:6.0f} MiB"
        )


if __name__ == "__main__":
    main()
