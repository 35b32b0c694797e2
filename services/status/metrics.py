"""The status service's Prometheus metrics. Label values are bounded: vendor, kind, reason
and source names from fixed sets, never an id, a number or an address."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import Counter, Histogram

from smlog.services.status.events import Disposition, StatusEvent

__all__ = [
    "APPLIED",
    "DUPLICATES",
    "EVENT_LAG",
    "HELP_REPLIES",
    "OPT_CHANGES",
    "OTHER_INBOUND",
    "PARKED",
    "PARKED_EXPIRED",
    "RECEIVED",
    "REJECTED",
    "STALE",
    "UNKNOWN_CODES",
    "observe_applied",
    "source_label",
]

RECEIVED = Counter(
    "smlog_status_webhooks_received_total",
    "Webhook requests received, by vendor and event kind.",
    ["vendor", "kind"],
)
REJECTED = Counter(
    "smlog_status_webhooks_rejected_total",
    "Webhook requests refused (or events refused when applied), by vendor and reason.",
    ["vendor", "reason"],
)
APPLIED = Counter(
    "smlog_status_events_applied_total",
    "Events that moved an attempt's status or were kept as its history, by source.",
    ["source"],
)
STALE = Counter(
    "smlog_status_events_stale_total",
    "Events kept as history that would have moved a status backwards (late, out of order).",
)
DUPLICATES = Counter(
    "smlog_status_events_duplicates_total",
    "Events ignored because their event id was seen before.",
)
PARKED = Counter(
    "smlog_status_events_parked_total",
    "Events kept because their attempt was not stored yet.",
)
PARKED_EXPIRED = Counter(
    "smlog_status_events_parked_expired_total",
    "Parked events dropped because their attempt never appeared.",
)
UNKNOWN_CODES = Counter(
    "smlog_status_unknown_vendor_code_total",
    "Events whose vendor code is missing from the mapping table (kept as history only).",
    ["vendor"],
)
EVENT_LAG = Histogram(
    "smlog_status_event_lag_seconds",
    "Time from the vendor's event time to the event being applied.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
)
OPT_CHANGES = Counter(
    "smlog_status_sms_opt_changes_total",
    "Inbound STOP / START replies applied, by direction.",
    ["direction"],
)
HELP_REPLIES = Counter(
    "smlog_status_sms_help_replies_total",
    "Automatic HELP answers, by result.",
    ["result"],
)
OTHER_INBOUND = Counter(
    "smlog_status_sms_inbound_ignored_total",
    "Inbound texts that are no STOP, START or HELP keyword (kept in the journal only).",
)

_SOURCES = frozenset({"voxology-call", "voxology-sms", "mailgun"})


def source_label(source: str) -> str:
    """A bounded label for an event source (gRPC callers choose their own source names)."""
    return source if source in _SOURCES else "grpc"


def observe_applied(
    events: Sequence[StatusEvent], dispositions: Sequence[Disposition], now: int
) -> None:
    """Count what became of a committed batch of events, and their lag."""
    applied: dict[str, int] = {}
    counts = dict.fromkeys(Disposition, 0)
    for event, disposition in zip(events, dispositions, strict=True):
        counts[disposition] += 1
        if disposition in (Disposition.APPLIED, Disposition.STALE):
            label = source_label(event.source)
            applied[label] = applied.get(label, 0) + int(disposition == Disposition.APPLIED)
            EVENT_LAG.observe(max(now - event.event_time, 0) / 1_000_000)
    for label, n in applied.items():
        if n:
            APPLIED.labels(label).inc(n)
    if counts[Disposition.STALE]:
        STALE.inc(counts[Disposition.STALE])
    if counts[Disposition.DUPLICATE]:
        DUPLICATES.inc(counts[Disposition.DUPLICATE])
    if counts[Disposition.PARKED]:
        PARKED.inc(counts[Disposition.PARKED])
