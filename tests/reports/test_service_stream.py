"""BuildReport's stream: metadata first, chunks with progress, the CLI download, one read
snapshot per report, metrics, and a client that hangs up."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from rich.console import Console
from rich.progress import Progress

from smlog.cli.report_cmd import build_request, download_report
from smlog.config import Settings
from smlog.v1 import reports_pb2
from tests.support.campaign import seed_campaign
from tests.support.reports import ReportEnv, download, read_csv, read_pdf, refusal, running

F = reports_pb2.ReportFormat
CHUNK = 512


@pytest.fixture
async def env(settings: Settings) -> AsyncIterator[ReportEnv]:
    # Batches of 3 rows and 512-byte chunks: the 11-row campaign streams in many pieces.
    async with running(settings, batch_rows=3, chunk_size=CHUNK) as report_env:
        yield report_env


@pytest.fixture
async def mid(env: ReportEnv) -> int:
    return await seed_campaign(env.db)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize(
    ("fmt", "ext", "content_type"),
    [
        (F.REPORT_FORMAT_CSV, "csv", "text/csv; charset=utf-8"),
        (F.REPORT_FORMAT_PDF, "pdf", "application/pdf"),
        (
            F.REPORT_FORMAT_DOCX,
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
async def test_metadata_first_then_chunks_with_progress(
    env: ReportEnv, mid: int, fmt: int, ext: str, content_type: str
) -> None:
    got = await download(env.reports(), reports_pb2.BuildReportRequest(message_id=mid, format=fmt))  # type: ignore[arg-type]
    first = got.responses[0]
    assert re.fullmatch(rf"message-{mid}-report-\d{{8}}-\d{{4}}\.{ext}", first.metadata.file_name)
    assert first.metadata.content_type == content_type
    assert first.metadata.total_rows == 11
    assert first.chunk == b""
    rest = got.responses[1:]
    progress = [r.rows_written for r in rest]
    assert progress == sorted(progress)
    assert progress[-1] == 11
    assert {3, 6, 9} <= set(progress)  # progress after every batch of 3 rows
    data_chunks = [r.chunk for r in rest if r.chunk]
    assert all(len(c) == CHUNK for c in data_chunks[:-1])
    assert 0 < len(data_chunks[-1]) <= CHUNK
    if fmt == F.REPORT_FORMAT_CSV:
        assert len(read_csv(got.data).table) == 12


async def test_cli_download_writes_the_file_with_a_progress_bar(
    env: ReportEnv, mid: int, tmp_path: Path
) -> None:
    console = Console(file=io.StringIO(), force_terminal=False, width=100)
    request = build_request(mid, "csv", ["voice"], ["completed", "failed"])
    downloads = tmp_path / "downloads"
    with Progress(console=console) as progress:
        path = await download_report(env.reports(), request, None, downloads, progress)  # type: ignore[arg-type]
    assert path.parent == downloads
    assert path.name.startswith(f"message-{mid}-report-")
    assert path.suffix == ".csv"
    assert list(downloads.iterdir()) == [path]  # the .part file was renamed
    report = read_csv(path.read_bytes())
    assert [row[2:5] for row in report.table[1:]] == [
        ["Voice", "(***) ***-0101", "Completed"],
        ["Voice", "(***) ***-0112", "Failed"],
        ["Voice", "(***) ***-0101", "Completed"],
    ]
    (task,) = progress.tasks
    assert (task.total, task.completed) == (3, 3)
    # An explicit output path, the default (PDF, All).
    out = tmp_path / "sub" / "r.pdf"
    pdf = build_request(mid, "pdf", None, None)
    assert await download_report(env.reports(), pdf, out) == out  # type: ignore[arg-type]
    assert "Recipient Details Rows 11" in read_pdf(out.read_bytes())[0]


async def test_a_report_reads_one_snapshot(env: ReportEnv, mid: int) -> None:
    sql = "SELECT count(*) FROM targets WHERE message_id = ? AND status = ?"
    canceled = 19
    async with env.db.read_snapshot() as snap:
        before = (await snap.fetch_one(sql, (mid, canceled)))[0]  # type: ignore[index]
        async with env.db.transaction() as tx:
            await tx.execute("UPDATE targets SET status = ? WHERE message_id = ?", (canceled, mid))
        assert (await snap.fetch_one(sql, (mid, canceled)))[0] == before  # type: ignore[index]
        streamed = [r async for batch in snap.stream(sql, (mid, canceled)) for r in batch]
        assert streamed[0][0] == before
    assert (await env.db.fetch_one(sql, (mid, canceled)))[0] == 11  # type: ignore[index]


async def test_metrics_count_reports_rows_and_refusals(env: ReportEnv, mid: int) -> None:
    ok = sample("smlog_reports_built_total", format="csv", outcome="ok")
    rows = sample("smlog_reports_rows_total", format="csv")
    timed = sample("smlog_reports_build_seconds_count", format="csv")
    bad = sample("smlog_reports_built_total", format="docx", outcome="invalid_argument")
    unknown = sample("smlog_reports_built_total", format="unknown", outcome="invalid_argument")
    await download(
        env.reports(), reports_pb2.BuildReportRequest(message_id=mid, format=F.REPORT_FORMAT_CSV)
    )
    req = reports_pb2.BuildReportRequest(message_id=mid, format=F.REPORT_FORMAT_DOCX)
    req.statuses.SetInParent()
    await refusal(env.reports(), req)
    await refusal(env.reports(), reports_pb2.BuildReportRequest(message_id=mid, format=42))  # type: ignore[arg-type]
    assert sample("smlog_reports_built_total", format="csv", outcome="ok") == ok + 1
    assert sample("smlog_reports_rows_total", format="csv") == rows + 11
    assert sample("smlog_reports_build_seconds_count", format="csv") == timed + 1
    assert sample("smlog_reports_built_total", format="docx", outcome="invalid_argument") == bad + 1
    assert (
        sample("smlog_reports_built_total", format="unknown", outcome="invalid_argument")
        == unknown + 1
    )


async def test_a_client_that_hangs_up_ends_the_build(env: ReportEnv, mid: int) -> None:
    before = sample("smlog_reports_built_total", format="csv", outcome="cancelled")
    call = env.reports().BuildReport(
        reports_pb2.BuildReportRequest(message_id=mid, format=F.REPORT_FORMAT_CSV)
    )
    first = await call.read()  # type: ignore[attr-defined]
    assert first.HasField("metadata")
    call.cancel()  # type: ignore[no-untyped-call]
    for _ in range(100):
        if sample("smlog_reports_built_total", format="csv", outcome="cancelled") > before:
            break
        await asyncio.sleep(0.02)
    assert sample("smlog_reports_built_total", format="csv", outcome="cancelled") == before + 1
    # The service still answers.
    got = await download(
        env.reports(), reports_pb2.BuildReportRequest(message_id=mid, format=F.REPORT_FORMAT_CSV)
    )
    assert got.metadata.total_rows == 11
