"""A circuit breaker per vendor and channel (docs/dispatch.md "Vendor outages").

Closed: every request goes out; ``failures`` failed requests in a row open it. Open: no
request goes out; once ``probe_us`` has passed, one request (the probe) is let through. The
probe's success closes the breaker; its failure keeps it open for another interval. The
clock is the caller's (``now_us``), so the breaker is pure and tested without waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from smlog.services.dispatch.policy import EMAIL, TEXT, VOICE

__all__ = ["CHANNELS", "Admission", "Breaker", "Channel"]


class Admission(Enum):
    REFUSED = 0
    REQUEST = 1
    PROBE = 2


@dataclass(frozen=True, slots=True)
class Channel:
    vendor: str
    name: str


# The vendor and channel each vendor-sent delivery mode goes through (inbox has no vendor).
CHANNELS: dict[int, Channel] = {
    VOICE: Channel("voxology", "voice"),
    TEXT: Channel("voxology", "text"),
    EMAIL: Channel("mailgun", "email"),
}


class Breaker:
    def __init__(
        self,
        failures: int,
        probe_us: int,
        *,
        on_change: Callable[[bool], None] | None = None,
    ) -> None:
        self.threshold = max(failures, 1)
        self.probe_us = max(probe_us, 0)
        self._on_change = on_change
        self._run = 0  # failed requests in a row
        self.open = False
        self.probe_at = 0  # open: when the next probe may go out
        self._probing = False

    def admit(self, now_us: int) -> Admission:
        """Whether a request may go out now; one admitted while open is the probe."""
        if not self.open:
            return Admission.REQUEST
        if self._probing or now_us < self.probe_at:
            return Admission.REFUSED
        self._probing = True
        self.probe_at = now_us + self.probe_us  # what others wait for meanwhile
        return Admission.PROBE

    def probe_due(self, now_us: int) -> bool:
        """Open, no probe out, and its time has come."""
        return self.open and not self._probing and now_us >= self.probe_at

    def next_try_us(self, now_us: int) -> int:
        """When a request refused now should be tried again."""
        return max(self.probe_at, now_us) if self.open else now_us

    def succeeded(self, admission: Admission) -> None:
        """A request reached the vendor and got an answer (a 4xx too: the vendor is up)."""
        self._run = 0
        if admission is Admission.PROBE:
            self._probing = False
        if self.open:
            self.open = False
            self._changed()

    def failed(self, now_us: int, admission: Admission) -> None:
        """A request failed (5xx, 429, timeout, connection)."""
        self._run += 1
        if self.open:
            if admission is Admission.PROBE:
                self._probing = False
                self.probe_at = now_us + self.probe_us
            return
        if self._run >= self.threshold:
            self.open = True
            self.probe_at = now_us + self.probe_us
            self._changed()

    def abandoned(self, admission: Admission) -> None:
        """An admitted request did not reach the vendor (canceled, or failed before sending):
        it tells nothing; a probe's turn passes to the next interval."""
        if admission is Admission.PROBE:
            self._probing = False

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change(self.open)
