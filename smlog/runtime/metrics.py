"""Prometheus metrics shared by every service: per-RPC counters and latency histograms.

Names follow prometheus.io conventions (``smlog_`` prefix, base units, ``_total``); label
values are bounded (service, method, status code), never an id, number or address.
"""

from __future__ import annotations

import threading
from wsgiref.simple_server import WSGIServer

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, start_http_server

RPC_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

RPC_HANDLED = Counter(
    "smlog_grpc_server_handled_total",
    "gRPC calls handled, by method and status code.",
    ["grpc_service", "grpc_method", "grpc_code"],
)
RPC_LATENCY = Histogram(
    "smlog_grpc_server_handling_seconds",
    "Time to handle a gRPC call (to the last message for streams).",
    ["grpc_service", "grpc_method"],
    buckets=RPC_LATENCY_BUCKETS,
)


class MetricsServer:
    """The ``/metrics`` HTTP endpoint on its own port (a daemon thread)."""

    def __init__(self, host: str, port: int, registry: CollectorRegistry = REGISTRY) -> None:
        self._host = host
        self._port = port
        self._registry = registry
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_port)

    def start(self) -> int:
        self._server, self._thread = start_http_server(
            self._port, addr=self._host, registry=self._registry
        )
        return self.port

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
