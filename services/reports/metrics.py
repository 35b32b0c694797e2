"""The reports service's Prometheus metrics (bounded labels: format and outcome only)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

BUILD_SECONDS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)

REPORTS_BUILT = Counter(
    "smlog_reports_built_total",
    "Build Report calls, by format (pdf, csv, docx, unknown) and outcome (ok, cancelled, or"
    " the lower-case gRPC code of the refusal or failure).",
    ["format", "outcome"],
)
REPORT_ROWS = Counter(
    "smlog_reports_rows_total",
    "Recipient Details rows written into reports (cancelled reports included).",
    ["format"],
)
REPORT_BUILD_SECONDS = Histogram(
    "smlog_reports_build_seconds",
    "Time from the request to the last chunk of a report that completed.",
    ["format"],
    buckets=BUILD_SECONDS_BUCKETS,
)
