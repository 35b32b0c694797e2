"""Settings of the Voxology simulator; every field can be given as a keyword argument."""

from __future__ import annotations

from dataclasses import dataclass

from smlog.simulators.common.core import SimulatorSettings
from smlog.simulators.voxology.profiles import PROFILES

__all__ = ["VoxologySettings"]

_WEBHOOKS = "http://127.0.0.1:8082/webhooks/voxology"


@dataclass(kw_only=True)
class VoxologySettings(SimulatorSettings):
    port: int = 8091
    api_key: str = "voxology-dev-key"
    signing_secret: str = "voxology-dev-secret"  # noqa: S105 - local development default
    # Used when a request carries no status_callback; inbound replies always go here.
    call_callback_url: str = f"{_WEBHOOKS}/call"
    sms_callback_url: str = f"{_WEBHOOKS}/sms"
    inbound_url: str = f"{_WEBHOOKS}/inbound"
    short_code: str = "55555"
    calls_per_second: float = 1000.0  # 0 = no limit
    messages_per_second: float = 1000.0  # 0 = no limit
    max_concurrent_calls: int = 5000  # 0 = no limit
    retry_after_s: float = 1.0  # vendor seconds, on 429 from the concurrent-call limit

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.profile not in PROFILES:
            raise ValueError(f"unknown profile {self.profile!r}; known: {', '.join(PROFILES)}")
        if not self.api_key or not self.signing_secret:
            raise ValueError("api_key and signing_secret must not be empty")
        if min(self.calls_per_second, self.messages_per_second, self.max_concurrent_calls) < 0:
            raise ValueError("rate and concurrency limits must be >= 0")
