"""Vendor request metrics, shared by every process that calls a vendor.

Labels are bounded: vendor, operation and an error kind; never an address or an id.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

__all__ = ["VENDOR_REQUESTS", "VENDOR_REQUEST_ERRORS", "VENDOR_REQUEST_LATENCY"]

VENDOR_REQUESTS = Counter(
    "smlog_vendor_requests_total",
    "Vendor API requests (each HTTP try, retries included), by outcome.",
    ["vendor", "operation", "outcome"],
)
VENDOR_REQUEST_ERRORS = Counter(
    "smlog_vendor_request_errors_total",
    "Failed vendor HTTP tries, by kind (timeout, connection, http_429, http_5xx, http_4xx).",
    ["vendor", "operation", "kind"],
)
VENDOR_REQUEST_LATENCY = Histogram(
    "smlog_vendor_request_seconds",
    "Latency of one vendor HTTP try.",
    ["vendor", "operation"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
