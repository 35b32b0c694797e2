"""``smlog loadtest`` end to end on a tiny load, and the arithmetic behind its report."""

from __future__ import annotations

import io
import json
import math

import pytest
from rich.console import Console

from smlog.bench.loadtest import LoadOptions, loadtest
from smlog.bench.loadtest_figures import Campaign, campaign_types, percentile, preemption
from smlog.bench.loadtest_view import report
from smlog.cli.main import build_parser
from smlog.cli.promtext import histogram_quantiles, quantile
from smlog.v1 import common_pb2 as c

METRICS = """# TYPE smlog_vendor_request_seconds histogram
smlog_vendor_request_seconds_bucket{vendor="voxology",operation="place_call",le="0.01"} 50.0
smlog_vendor_request_seconds_bucket{vendor="voxology",operation="place_call",le="0.1"} 90.0
smlog_vendor_request_seconds_bucket{vendor="voxology",operation="place_call",le="+Inf"} 100.0
smlog_vendor_request_seconds_count{vendor="voxology",operation="place_call"} 100.0
smlog_vendor_request_seconds_sum{vendor="voxology",operation="place_call"} 3.0
"""


def test_histogram_quantiles_interpolate_inside_the_bucket() -> None:
    rows = histogram_quantiles(METRICS, "smlog_vendor_request_seconds", ("vendor", "operation"))
    row = rows["voxology place_call"]
    assert row["count"] == 100
    assert row["p50"] == pytest.approx(0.01)
    assert row["p90"] == pytest.approx(0.1)
    assert row["p99"] == pytest.approx(0.1)  # in +Inf: the last finite bound
    assert math.isnan(quantile(0.5, []))


def test_percentiles_types_and_preemption() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == pytest.approx(2.5)
    assert percentile([7.0], 0.99) == 7.0
    e, p, g = c.MESSAGE_TYPE_EMERGENCY, c.MESSAGE_TYPE_PRIORITY, c.MESSAGE_TYPE_GENERAL
    assert campaign_types(6, 3) == [g, p, e, g, p, e]
    assert campaign_types(3, 1) == [g, g, g]
    general, emergency = Campaign(0, g, first_p95_s=6.0), Campaign(1, e, first_p95_s=2.0)
    general.progress.dispatch_start_time.FromSeconds(100)
    emergency.progress.dispatch_start_time.FromSeconds(101)
    emergency.overtook = [0]
    [row] = preemption([general, emergency])
    assert row["overtook"] is True
    general.first_p95_s = 0.5  # its first attempts were done before the Emergency started
    assert preemption([general, emergency]) == []


@pytest.mark.e2e
async def test_a_small_load_test_reports_every_campaign() -> None:
    args = build_parser().parse_args(["loadtest", "--campaigns", "2", "--recipients", "20",
                                      "--concurrency", "2", "--profile", "perfect"])  # fmt: skip
    assert (args.campaigns, args.concurrency, args.modes) == (2, 2, ["inbox", "email", "voice",
                                                                    "text"])  # fmt: skip
    out = io.StringIO()
    console = Console(file=out, width=120)
    options = LoadOptions(campaigns=2, recipients=20, concurrency=2, profile="perfect")
    figures = await loadtest(options, console)
    report(console, figures)
    json.dumps(figures)  # the last line of the command
    assert figures["message_statuses"] == {"Sent": 2}
    assert figures["devices"] == 2 * 20 * 4
    assert figures["attempts"] == figures["devices"]  # perfect: no redial
    assert (figures["duplicates"], figures["lost"]) == (0, 0)
    assert figures["accepted"] == figures["sent"] == 2 * 20 * 3
    assert figures["errors"]["error_attempts"] == 0
    assert "voxology place_call request" in figures["latency_ms"]
    assert [c["campaigns"] for c in figures["by_type"].values()] == [1, 1]
    assert "duplicates 0, lost 0" in out.getvalue()
    # Every callback was applied and every outcome counted, so the lags were measured.
    assert 0 < figures["status_lag_p50_s"] <= figures["status_lag_p99_s"] < 30
    assert 0 < figures["settle_lag_p99_s"] < 30
    assert "callback received → applied p50" in out.getvalue()
