"""Typed configuration from the environment (``SMLOG_<FIELD>``) and flags, in one place.

Every field has a default that runs the whole stack locally. ``Settings.load`` reads the
environment, then applies overrides (from CLI flags), and validates; a bad value raises
``ConfigError`` naming the variable.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from smlog.errors import ConfigError

DEV_JWT_SECRET = "smlog-dev-secret-change-me-in-production"  # noqa: S105 - documented dev default
DEV_SERVICE_JWT_SECRET = "smlog-dev-service-secret-change-me-in-production"  # noqa: S105

SERVICES = ("dispatch", "status", "log", "reports", "voxology-sim", "mailgun-sim")

# Every setting that holds a secret, with its shortest accepted length in bytes outside
# development. A new secret setting is one more line here.
SECRET_SETTINGS: tuple[tuple[str, int], ...] = (
    ("jwt_secret", 32),
    ("service_jwt_secret", 32),
    ("voxology_api_key", 24),
    ("voxology_webhook_secret", 24),
    ("mailgun_api_key", 24),
    ("mailgun_signing_key", 24),
)
# Values that are development values wherever they appear: the defaults below, and the
# placeholders of deploy/env.example, which all carry this marker.
DEV_SECRET_MARKER = "dev-only-placeholder"  # noqa: S105 - a marker, not a secret
ENVIRONMENTS = ("development", "production")


@dataclass(frozen=True)
class Settings:
    # "production" refuses development secrets even on a loopback host (so does any
    # non-loopback host): see check_secrets.
    env: str = "development"
    # Where services listen and find each other.
    host: str = "127.0.0.1"
    dispatch_port: int = 50051
    status_port: int = 50052
    status_http_port: int = 8082
    log_port: int = 50053
    reports_port: int = 50054
    voxology_sim_port: int = 8091
    mailgun_sim_port: int = 8092
    dispatch_metrics_port: int = 9101
    status_metrics_port: int = 9102
    log_metrics_port: int = 9103
    reports_metrics_port: int = 9104
    voxology_sim_metrics_port: int = 9105
    mailgun_sim_metrics_port: int = 9106
    # The gRPC address other processes dial to reach dispatch (status reports final outcomes
    # there); empty means host:dispatch_port. Set it where the bind address is not one to
    # dial, e.g. "dispatch:50051" in containers that bind 0.0.0.0.
    dispatch_target: str = ""
    # The same for log and reports (the console dials them), e.g. "log:50053".
    log_target: str = ""
    reports_target: str = ""
    # The web console (docs/console.md): its HTTP port; how people sign in: "development"
    # (a page listing the demo district's staff) or "proxy" (only a signed token from the
    # identity proxy in the header below is trusted); how long a signed-in session lasts.
    console_port: int = 8080
    console_sign_in: str = "development"
    console_proxy_header: str = "X-Smlog-Identity"
    console_session_seconds: float = 8 * 3600.0
    # The store: db_url is "sqlite:///path" or "postgresql://user@host:port/db"; empty means
    # the SQLite file at db_path (the embedded default). read_db_url, when set, is where the
    # read-only services (log, reports) read from, e.g. a PostgreSQL replica (docs/storage.md).
    db_path: str = "var/smlog.db"
    db_url: str = ""
    read_db_url: str = ""
    # Connections per process in the PostgreSQL pool.
    db_pool_size: int = 10
    # Auth: HS256 tokens signed with this secret (set SMLOG_JWT_SECRET outside development).
    jwt_secret: str = DEV_JWT_SECRET
    jwt_algorithm: str = "HS256"
    # Service-to-service tokens are signed with their own key (never the user-token key), so
    # whoever can mint user tokens cannot mint a service identity (docs/security.md).
    service_jwt_secret: str = DEV_SERVICE_JWT_SECRET
    # gRPC over TLS (all empty: plaintext, for local use). A server with a certificate and
    # key serves TLS only; a CA makes outgoing channels verify servers against it (and, with
    # tls_require_client_cert, servers demand client certificates it signed); a client
    # certificate is presented on outgoing calls. docs/security.md; `smlog certs` for dev.
    tls_cert_file: str = ""
    tls_key_file: str = ""
    tls_ca_file: str = ""
    tls_client_cert_file: str = ""
    tls_client_key_file: str = ""
    tls_require_client_cert: bool = False
    # Runtime.
    grace_seconds: float = 10.0
    rpc_timeout_seconds: float = 10.0
    log_level: str = "INFO"
    log_format: str = "json"
    # Vendors (the simulators by default).
    voxology_url: str = "http://127.0.0.1:8091"
    voxology_api_key: str = "voxology-dev-key"
    voxology_webhook_secret: str = "voxology-dev-webhook-secret"  # noqa: S105
    voxology_from_number: str = "+15555550000"
    # The short code texts come from when a district has none of its own.
    voxology_short_code: str = "55555"
    voxology_concurrency: int = 200
    mailgun_url: str = "http://127.0.0.1:8092"
    mailgun_api_key: str = "mailgun-dev-key"
    mailgun_domain: str = "mg.smlog.test"
    mailgun_signing_key: str = "mailgun-dev-signing-key"
    mailgun_from: str = "District Messenger <messenger@mg.smlog.test>"
    mailgun_concurrency: int = 16
    vendor_timeout_seconds: float = 5.0
    vendor_max_retries: int = 5
    # All tries of one vendor request end within this deadline; backoff between tries grows
    # exponentially from the initial wait up to the max, with full jitter.
    vendor_deadline_seconds: float = 60.0
    vendor_backoff_initial_seconds: float = 0.2
    vendor_backoff_max_seconds: float = 10.0
    # Dispatch's durable retries after a vendor failure (docs/dispatch.md "Vendor outages"):
    # backoff from the initial wait doubling up to the max (equal jitter), until the horizon
    # of the message's type; then the attempt is Vendor Error.
    vendor_retry_initial_seconds: float = 2.0
    vendor_retry_max_seconds: float = 300.0
    vendor_retry_horizon_emergency_seconds: float = 900.0
    vendor_retry_horizon_priority_seconds: float = 4 * 3600.0
    vendor_retry_horizon_general_seconds: float = 8 * 3600.0
    # Circuit breaker per vendor and channel: opens after this many failed requests in a
    # row, then lets one probe through every probe interval until one succeeds.
    vendor_breaker_failures: int = 5
    vendor_breaker_probe_seconds: float = 10.0
    # Public base URL of the status service's webhook edge (vendor callbacks go there).
    status_public_url: str = "http://127.0.0.1:8082"
    # Dispatch policy.
    redial_max_attempts: int = 3
    redial_wait_seconds: float = 300.0
    voice_status_deadline_seconds: float = 900.0
    text_status_deadline_seconds: float = 3600.0
    email_status_deadline_seconds: float = 3600.0
    # Dispatch engine: targets claimed per transaction, recipients per email batch (Mailgun's
    # limit is 1,000), how often it looks for due targets / outcomes / expired deadlines when
    # nothing woke it, and how vendor answers are batched into one transaction.
    dispatch_claim_batch: int = 500
    dispatch_email_batch_size: int = 1000
    dispatch_poll_seconds: float = 0.2
    dispatch_outcome_poll_seconds: float = 0.5
    dispatch_outcome_batch: int = 1000
    dispatch_deadline_sweep_seconds: float = 1.0
    dispatch_flush_seconds: float = 0.05
    dispatch_flush_rows: int = 500
    dispatch_watch_interval_seconds: float = 0.25
    # Several dispatch workers on one PostgreSQL database (docs/scale-out.md): this worker's
    # name (empty: host name and gRPC port, stable across restarts), and how long what it
    # claimed stays its own without a renewal before another worker takes it over.
    dispatch_worker: str = ""
    dispatch_lease_seconds: float = 30.0
    # WatchMessage streams: open at once per caller and per dispatch process, and how long one
    # stream may last (the caller watches again after; docs/security.md).
    watch_max_streams_per_caller: int = 16
    watch_max_streams: int = 1000
    watch_max_seconds: float = 3600.0
    dispatch_gauge_seconds: float = 5.0
    # Flow control (docs/dispatch.md): sending slows when the status path lags more than the
    # target (0: off), never below the floor, re-decided every dispatch_flow_seconds.
    dispatch_flow_target_lag_seconds: float = 5.0
    dispatch_flow_min_per_second: float = 200.0
    dispatch_flow_seconds: float = 1.0
    # Retention purge (docs/retention.md): how often a pass runs (0: never), targets or
    # recipients deleted per transaction, messages purged per pass.
    retention_interval_seconds: float = 300.0
    retention_batch_rows: int = 1000
    retention_max_messages: int = 100
    # Webhook edge.
    webhook_max_body_bytes: int = 256 * 1024
    webhook_timestamp_tolerance_seconds: float = 300.0
    # Status service: batched apply, parked events, retention, telling dispatch.
    status_apply_batch_size: int = 5000
    status_parked_retry_seconds: float = 1.0
    status_parked_ttl_seconds: float = 3600.0
    status_journal_retention_seconds: float = 7 * 86400.0
    status_notify_timeout_seconds: float = 2.0
    # The automatic answer to HELP; {district} is the district's name.
    sms_help_reply: str = "{district}: reply STOP to opt out, START to opt back in."
    # Simulators: delays are multiplied by this (0 = as fast as possible).
    sim_time_scale: float = 1.0
    sim_profile: str = "realistic"
    # Faults at start, e.g. "drop=0.05,duplicate=0.02,error_burst=20" (see docs/simulators.md).
    sim_faults: str = ""
    # Random seed of the outcome mix; 0 draws a fresh one.
    sim_seed: int = 0
    # The simulated vendors' limits (0 = none): Voxology calls and texts per second and
    # concurrent calls, Mailgun send requests per second.
    sim_calls_per_second: float = 1000.0
    sim_messages_per_second: float = 1000.0
    sim_max_concurrent_calls: int = 5000
    sim_email_requests_per_second: float = 100.0

    @classmethod
    def load(
        cls,
        env: Mapping[str, str] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> Settings:
        env = os.environ if env is None else env
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            var = f"SMLOG_{f.name.upper()}"
            if var in env:
                values[f.name] = _parse(var, env[var], hints[f.name])
        for name, raw in (overrides or {}).items():
            if name not in hints:
                raise ConfigError(f"unknown setting '{name}'")
            values[name] = _parse(f"--{name.replace('_', '-')}", raw, hints[name])
        settings = cls(**values)
        settings.validate()
        return settings

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def validate(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_port") and not 0 <= value <= 65535:
                raise ConfigError(f"SMLOG_{f.name.upper()}={value}: not a port (0-65535)")
            if (f.name.endswith("_seconds") or f.name.endswith("_concurrency")) and value < 0:
                raise ConfigError(f"SMLOG_{f.name.upper()}={value}: must not be negative")
        if self.log_format not in ("json", "text"):
            raise ConfigError(f"SMLOG_LOG_FORMAT={self.log_format}: expected json or text")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError(
                f"SMLOG_LOG_LEVEL={self.log_level}: expected DEBUG/INFO/WARNING/ERROR"
            )
        if self.console_sign_in not in ("development", "proxy"):
            raise ConfigError(
                f"SMLOG_CONSOLE_SIGN_IN={self.console_sign_in}: expected development or proxy"
            )
        if self.redial_max_attempts < 1:
            raise ConfigError("SMLOG_REDIAL_MAX_ATTEMPTS: at least 1 (the first attempt)")
        if self.vendor_breaker_failures < 1:
            raise ConfigError("SMLOG_VENDOR_BREAKER_FAILURES: at least 1")
        for name in ("db_url", "read_db_url"):
            url = getattr(self, name)
            if url and not url.startswith(("sqlite:///", "postgresql://", "postgres://")):
                raise ConfigError(
                    f"SMLOG_{name.upper()}: expected sqlite:///PATH or postgresql://USER@HOST/DB"
                )
        if self.db_pool_size < 1:
            raise ConfigError("SMLOG_DB_POOL_SIZE: at least 1")
        if self.dispatch_lease_seconds < 1:
            raise ConfigError("SMLOG_DISPATCH_LEASE_SECONDS: at least 1 (renewed every third)")
        for name in ("jwt_secret", "service_jwt_secret"):
            if len(getattr(self, name).encode()) < 32:
                raise ConfigError(
                    f"SMLOG_{name.upper()}: at least 32 bytes for HS256 (RFC 7518 3.2)"
                )
        if self.service_jwt_secret == self.jwt_secret:
            raise ConfigError("SMLOG_SERVICE_JWT_SECRET: must differ from SMLOG_JWT_SECRET")
        if self.env not in ENVIRONMENTS:
            raise ConfigError(f"SMLOG_ENV={self.env}: expected development or production")

    @property
    def is_development(self) -> bool:
        """Development: not SMLOG_ENV=production, and bound to a loopback address only."""
        if self.env == "production":
            return False
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False  # a host name: reachable from elsewhere

    def store_url(self, *, read: bool = False) -> str:
        """The store to open: the read URL for readers when one is set, else ``db_url``,
        else the SQLite file at ``db_path``."""
        if read and self.read_db_url:
            return self.read_db_url
        return self.db_url or f"sqlite:///{self.db_path}"

    def grpc_port(self, service: str) -> int:
        ports = {
            "dispatch": self.dispatch_port,
            "status": self.status_port,
            "log": self.log_port,
            "reports": self.reports_port,
        }
        return ports[service]

    def metrics_port(self, service: str) -> int:
        value: int = getattr(self, f"{service.replace('-', '_')}_metrics_port")
        return value

    def worker_name(self) -> str:
        """This dispatch worker's name: the one set, else host name and gRPC port."""
        return self.dispatch_worker or f"{socket.gethostname()}:{self.dispatch_port}"

    def target(self, service: str) -> str:
        """The gRPC address other services use to reach ``service``."""
        dialed = {
            "dispatch": self.dispatch_target,
            "log": self.log_target,
            "reports": self.reports_target,
        }.get(service, "")
        return dialed or f"{self.host}:{self.grpc_port(service)}"


def check_secrets(settings: Settings) -> None:
    """Outside development, ConfigError naming the first secret setting that still holds a
    development value (its default, or a deploy/env.example placeholder) or is too short."""
    if settings.is_development:
        return
    defaults = Settings()
    for name, shortest in SECRET_SETTINGS:
        value: str = getattr(settings, name)
        var = f"SMLOG_{name.upper()}"
        if value == getattr(defaults, name) or DEV_SECRET_MARKER in value:
            raise ConfigError(f"{var}: a development value; set a real secret outside development")
        if len(value.encode()) < shortest:
            raise ConfigError(f"{var}: at least {shortest} bytes outside development")


def check_console_sign_in(settings: Settings) -> None:
    """Outside development the console trusts only the identity proxy: its development sign-in
    page lets anyone sign in as any listed person (docs/console.md)."""
    if not settings.is_development and settings.console_sign_in != "proxy":
        raise ConfigError(
            "SMLOG_CONSOLE_SIGN_IN: proxy outside development (the development sign-in page"
            " lets anyone sign in as anyone)"
        )


def _parse(name: str, raw: Any, kind: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        if kind is bool:
            lowered = raw.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
    except ValueError:
        expected = getattr(kind, "__name__", str(kind))
        raise ConfigError(f"{name}={raw!r}: expected {expected}") from None
    return raw


def check_time_zone(name: str) -> ZoneInfo:
    """The zone for an IANA name, or ConfigError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone {name!r}") from None
