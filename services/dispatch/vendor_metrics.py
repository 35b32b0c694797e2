"""Metrics of vendor outages: circuit breakers and held requests, by vendor and channel only."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

__all__ = ["ATTEMPTS_HELD", "BREAKER_OPEN", "BREAKER_OPENED", "HORIZON_REACHED", "REQUESTS_HELD"]

_LABELS = ["vendor", "channel"]

BREAKER_OPEN = Gauge(
    "smlog_dispatch_vendor_breaker_open",
    "1 while the circuit breaker of a vendor and channel is open (sending paused), else 0.",
    _LABELS,
)
BREAKER_OPENED = Counter(
    "smlog_dispatch_vendor_breaker_opened_total",
    "Times the circuit breaker of a vendor and channel opened.",
    _LABELS,
)
ATTEMPTS_HELD = Gauge(
    "smlog_dispatch_vendor_attempts_held",
    "Attempts waiting for a later try after a vendor failure or an open breaker.",
    _LABELS,
)
REQUESTS_HELD = Counter(
    "smlog_dispatch_vendor_requests_held_total",
    "Vendor requests held for a later try (each failure or breaker pause counts once).",
    _LABELS,
)
HORIZON_REACHED = Counter(
    "smlog_dispatch_vendor_retry_horizon_reached_total",
    "Attempts closed as Vendor Error because their retry horizon passed.",
    _LABELS,
)
