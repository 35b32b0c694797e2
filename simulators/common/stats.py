"""Counters kept twice: as JSON for ``GET /admin/stats`` (resettable, exact, read by tests)
and as Prometheus metrics on a per-app registry (monotonic, scraped by ops). Labels are
bounded: endpoint templates, channel, outcome and result names; never a number, address or id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, Histogram
from prometheus_client import Counter as PromCounter

__all__ = ["SimStats"]

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class SimStats:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._requests = PromCounter(
            "smlog_sim_requests_total",
            "API requests answered, by endpoint template and HTTP status.",
            ["endpoint", "code"],
            registry=registry,
        )
        self._request_seconds = Histogram(
            "smlog_sim_request_duration_seconds",
            "Time to answer an API request.",
            ["endpoint"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self._outcomes = PromCounter(
            "smlog_sim_outcomes_total",
            "Planned final outcomes, by channel and vendor status.",
            ["channel", "outcome"],
            registry=registry,
        )
        self._callbacks = PromCounter(
            "smlog_sim_callbacks_total",
            "Callback posts by kind and result (sent, failed, retried, dropped, duplicated).",
            ["kind", "result"],
            registry=registry,
        )
        self._callback_seconds = Histogram(
            "smlog_sim_callback_duration_seconds",
            "Time for the receiver to answer a callback post.",
            ["kind"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}
        self.reset()

    def gauge(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        """Export ``read()`` as the gauge ``name`` at scrape time."""
        Gauge(name, documentation, registry=self.registry).set_function(read)

    def reset(self) -> None:
        """Zero the admin counters (Prometheus counters stay monotonic)."""
        self.requests: Counter[str] = Counter()
        self.responses: Counter[str] = Counter()
        self.accepted: Counter[str] = Counter()
        self.idempotency_keys = 0
        self.duplicates_replayed = 0
        self.callbacks: Counter[str] = Counter()
        self.outcomes: dict[str, Counter[str]] = {}
        self.recent_retries: list[dict[str, object]] = []

    def _child(self, metric: Any, *labels: str) -> Any:
        """``metric.labels(*labels)``, looked up once: ``labels()`` validates and locks on
        every call, a measurable share of a simulator's CPU at thousands of requests/s."""
        key = (id(metric), labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def request(self, endpoint: str, code: int, seconds: float) -> None:
        status = str(code)
        self.requests[endpoint] += 1
        self.responses[status] += 1
        self._child(self._requests, endpoint, status).inc()
        self._child(self._request_seconds, endpoint).observe(seconds)

    def outcome(self, channel: str, outcome: str) -> None:
        self.outcomes.setdefault(channel, Counter())[outcome] += 1
        self._child(self._outcomes, channel, outcome).inc()

    def callback(self, kind: str, result: str, seconds: float | None = None) -> None:
        self.callbacks[result] += 1
        self._child(self._callbacks, kind, result).inc()
        if seconds is not None:
            self._child(self._callback_seconds, kind).observe(seconds)

    def retry(self, kind: str, attempt: int, delay_s: float) -> None:
        """A callback retry scheduled ``delay_s`` vendor seconds after failed ``attempt``."""
        self.callback(kind, "retried")
        if len(self.recent_retries) < 1000:
            self.recent_retries.append({"kind": kind, "attempt": attempt, "delay_s": delay_s})

    def snapshot(self) -> dict[str, object]:
        return {
            "requests": dict(self.requests),
            "responses": dict(self.responses),
            "accepted": dict(self.accepted),
            "idempotency_keys": self.idempotency_keys,
            "duplicates_replayed": self.duplicates_replayed,
            "callbacks": dict(self.callbacks),
            "outcomes": {channel: dict(counts) for channel, counts in self.outcomes.items()},
            "recent_retries": list(self.recent_retries),
        }
