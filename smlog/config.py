"""Typed configuration from the environment (``SMLOG_<FIELD>``) and flags, in one place.

Every field has a default that runs the whole stack locally. ``Settings.load`` reads the
environment, then applies overrides (from CLI flags), and validates; a bad value raises
``ConfigError`` naming the variable.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from smlog.errors import ConfigError

DEV_JWT_SECRET = "smlog-dev-secret-change-me-in-production"  # noqa: S105 - documented dev default

SERVICES = ("dispatch", "status", "log", "reports", "voxology-sim", "mailgun-sim")


@dataclass(frozen=True)
class Settings:
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
    # The web console (docs/console.md): its HTTP port; how people sign in: "development"
    # (a page listing the demo district's staff) or "proxy" (only a signed token from the
    # identity proxy in the header below is trusted); how long a signed-in session lasts.
    console_port: int = 8080
    console_sign_in: str = "development"
    console_proxy_header: str = "X-Smlog-Identity"
    console_session_seconds: float = 8 * 3600.0
    # The store.
    db_path: str = "var/smlog.db"
    # Auth: HS256 tokens signed with this secret (set SMLOG_JWT_SECRET outside development).
    jwt_secret: str = DEV_JWT_SECRET
    jwt_algorithm: str = "HS256"
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
    dispatch_gauge_seconds: float = 5.0
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
        if len(self.jwt_secret.encode()) < 32:
            raise ConfigError("SMLOG_JWT_SECRET: at least 32 bytes for HS256 (RFC 7518 3.2)")

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

    def target(self, service: str) -> str:
        """The gRPC address other services use to reach ``service``."""
        if service == "dispatch" and self.dispatch_target:
            return self.dispatch_target
        return f"{self.host}:{self.grpc_port(service)}"


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
