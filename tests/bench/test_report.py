"""The report benchmark runs end to end on a small message (no timing is asserted)."""

from __future__ import annotations

import pytest

from smlog.bench.report import bench_report


@pytest.mark.e2e
async def test_bench_report_through_the_real_process() -> None:
    said: list[str] = []
    result = await bench_report(300, csv_1m=False, progress=said.append)
    assert set(result) == {"devices", "csv_s", "docx_s", "pdf_s", "peak_rss_mb"}
    assert result["devices"] == 300
    assert all(result[k] > 0 for k in ("csv_s", "docx_s", "pdf_s"))
    assert 20 < result["peak_rss_mb"] < 1000
    assert said[0] == "seeding a message of 300 devices"
