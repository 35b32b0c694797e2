"""Dispatch metrics. Labels are bounded (mode, status group, priority, vendor); never an id."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from smlog.domain import status_group
from smlog.services.dispatch.policy import MODE_NAMES, PRIORITY_NAMES
from smlog.services.dispatch.settle import Settled
from smlog.v1.common_pb2 import MessageStatus, StatusGroup

__all__ = [
    "ATTEMPTS_CREATED",
    "ATTEMPT_RESULTS",
    "CAMPAIGNS_IN_FLIGHT",
    "DUE_TARGETS",
    "POOL_DEPTH",
    "observe_settled",
]

_DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400)

ATTEMPTS_CREATED = Counter(
    "smlog_dispatch_attempts_created_total",
    "Attempts stored (first attempts, redials and re-tries), by delivery mode.",
    ["mode"],
)
ATTEMPT_RESULTS = Counter(
    "smlog_dispatch_attempt_results_total",
    "Attempts that reached a final status, by delivery mode and status group.",
    ["mode", "status_group"],
)
REDIALS = Counter("smlog_dispatch_redials_scheduled_total", "Voice redials scheduled.")
DUE_TARGETS = Gauge(
    "smlog_dispatch_due_targets",
    "Targets due for an attempt and not claimed yet, by message priority.",
    ["priority"],
)
POOL_DEPTH = Gauge(
    "smlog_dispatch_pool_queue_depth",
    "Claimed jobs waiting for a vendor worker, by vendor and message priority.",
    ["vendor", "priority"],
)
CAMPAIGNS_IN_FLIGHT = Gauge(
    "smlog_dispatch_campaigns_in_flight", "Messages dispatching (In Progress)."
)
MESSAGE_DURATION = Histogram(
    "smlog_dispatch_message_duration_seconds",
    "Total Message Duration of finished messages, by priority.",
    ["priority"],
    buckets=_DURATION_BUCKETS,
)
FIRST_ATTEMPT_DURATION = Histogram(
    "smlog_dispatch_first_attempt_duration_seconds",
    "First Attempt Duration per delivery mode of messages whose first attempts completed.",
    ["mode"],
    buckets=_DURATION_BUCKETS,
)
DEADLINE_REVISIONS = Counter(
    "smlog_dispatch_deadline_revisions_total",
    "Devices a status deadline had closed whose vendor status came later and replaced the"
    " deadline's, by delivery mode.",
    ["mode"],
)
SETTLE_LAG = Histogram(
    "smlog_dispatch_settle_lag_seconds",
    "Final attempt outcomes: written by the status service -> counted by dispatch.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
STATUS_LAG = Gauge(
    "smlog_dispatch_status_lag_seconds",
    "How far the status path is behind, by part: apply (callback received -> applied,"
    " median of the latest), journal (oldest row not applied), settle (oldest final outcome"
    " not counted), flow control limited by their largest; callbacks (Voxology event ->"
    " applied, median of the latest) is exported only.",
    ["part"],
)
FLOW_LIMIT = Gauge(
    "smlog_dispatch_flow_limit_per_second",
    "Flow control's limit on vendor-sent attempts claimed per second (0: not limited).",
)
FLOW_LIMITED_SECONDS = Counter(
    "smlog_dispatch_flow_limited_seconds_total",
    "Seconds during which flow control limited sending.",
)
MESSAGES_FINISHED = Counter(
    "smlog_dispatch_messages_finished_total", "Messages that finished, by status.", ["status"]
)

_GROUPS: dict[int, str] = {
    StatusGroup.STATUS_GROUP_SUCCESSFUL: "successful",
    StatusGroup.STATUS_GROUP_ERROR: "error",
    StatusGroup.STATUS_GROUP_CANCELED: "canceled",
    StatusGroup.STATUS_GROUP_PENDING: "pending",
}


def observe_settled(settled: Settled) -> None:
    for mode, status in settled.attempts_final:
        group = _GROUPS.get(status_group(status), "unknown")
        ATTEMPT_RESULTS.labels(MODE_NAMES.get(mode, "unknown"), group).inc()
    if settled.redials:
        REDIALS.inc(settled.redials)
    for mode in settled.revised:
        DEADLINE_REVISIONS.labels(MODE_NAMES.get(mode, "unknown")).inc()
    for lag_us in settled.settle_lags_us:
        SETTLE_LAG.observe(max(lag_us, 0) / 1_000_000)
    for done in settled.completed:
        priority = PRIORITY_NAMES.get(done.priority, "general")
        MESSAGE_DURATION.labels(priority).observe(done.duration_us / 1_000_000)
        name = MessageStatus.Name(done.status).removeprefix("MESSAGE_STATUS_")  # type: ignore[arg-type]
        name = name.lower()
        MESSAGES_FINISHED.labels(name).inc()
    for mode, duration_us in settled.first_attempts_done:
        FIRST_ATTEMPT_DURATION.labels(MODE_NAMES.get(mode, "unknown")).observe(
            duration_us / 1_000_000
        )
