"""Settings of the Mailgun simulator; every field can be given as a keyword argument."""

from __future__ import annotations

from dataclasses import dataclass

from smlog.simulators.common.core import SimulatorSettings
from smlog.simulators.mailgun.profiles import PROFILES

__all__ = ["MailgunSettings"]


@dataclass(kw_only=True)
class MailgunSettings(SimulatorSettings):
    port: int = 8092
    api_key: str = "mailgun-dev-key"
    webhook_signing_key: str = "mailgun-dev-signing-key"
    domain: str = "mg.smlog.test"
    webhook_url: str = "http://127.0.0.1:8082/webhooks/mailgun"
    requests_per_second: float = 100.0  # send requests (each up to 1,000 recipients); 0 = none
    max_recipients: int = 1000
    events_retained: int = 500_000  # events kept for the events API, oldest forgotten first
    retry_after_s: float = 1.0  # vendor seconds, answered on a magic 429
    max_body_bytes: int = 10 * 1024 * 1024

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.profile not in PROFILES:
            raise ValueError(f"unknown profile {self.profile!r}; known: {', '.join(PROFILES)}")
        if not self.api_key or not self.webhook_signing_key or not self.domain:
            raise ValueError("api_key, webhook_signing_key and domain must not be empty")
        if self.requests_per_second < 0 or self.max_recipients < 1 or self.events_retained < 1:
            raise ValueError("requests_per_second >= 0, max_recipients and events_retained >= 1")
