"""What every simulator holds: settings, RNG, counters, faults, idempotency keys, callbacks."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client import CollectorRegistry

from smlog.simulators.common.delivery import CallbackSender, Encoder
from smlog.simulators.common.faults import FaultSpec, FaultState
from smlog.simulators.common.limits import IdempotencyStore, StoredResponse
from smlog.simulators.common.stats import SimStats

__all__ = ["IdempotencyConflict", "SimulatorCore", "SimulatorSettings"]


@dataclass(kw_only=True)
class SimulatorSettings:
    """Settings both simulators share. Delays are vendor seconds times ``time_scale``
    (0 = as fast as possible); rate limits and ``slow_s`` faults are real seconds."""

    host: str = "127.0.0.1"
    port: int = 0
    time_scale: float = 1.0
    profile: str = "realistic"
    seed: int | None = None
    faults: FaultSpec = field(default_factory=FaultSpec)
    # Callback posts in flight. A vendor ending a thousand calls a second has hundreds of
    # callbacks in flight at once; with 64 the status service's group commits carried ~38
    # webhooks each and the callbacks of a 20,000-recipient campaign queued for 30 s here.
    callback_concurrency: int = 256
    callback_timeout_s: float = 10.0
    max_body_bytes: int = 64 * 1024

    def __post_init__(self) -> None:
        if self.time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        if not 0 <= self.port <= 65535:
            raise ValueError("port must be in 0..65535")
        if self.callback_concurrency < 1 or self.callback_timeout_s <= 0:
            raise ValueError("callback_concurrency and callback_timeout_s must be positive")
        if self.max_body_bytes < 1024:
            raise ValueError("max_body_bytes must be at least 1024")


class IdempotencyConflict(Exception):
    """An idempotency key reused for a different request."""


class SimulatorCore:
    def __init__(
        self,
        settings: SimulatorSettings,
        *,
        name: str,
        channels: tuple[str, ...],
        encode: Encoder,
        retry_schedule_s: Sequence[float],
        retry_on: Callable[[int | None], bool],
    ) -> None:
        self.name = name
        self.channels = channels
        self.generation = 0  # bumped by reset(): timers of an older generation do nothing
        self.settings = settings
        self.rng = random.Random(settings.seed)
        fault_seed = None if settings.seed is None else settings.seed + 1
        self.registry = CollectorRegistry()
        self.stats = SimStats(self.registry)
        self.faults = FaultState(settings.faults, random.Random(fault_seed))
        self.idempotency = IdempotencyStore()
        # accepted sends per (channel, recipient): admin only, never a metric label
        self.sends: Counter[tuple[str, str]] = Counter()
        self.sender = CallbackSender(
            encode=encode,
            stats=self.stats,
            faults=self.faults,
            time_scale=settings.time_scale,
            retry_schedule_s=retry_schedule_s,
            retry_on=retry_on,
            concurrency=settings.callback_concurrency,
            timeout_s=settings.callback_timeout_s,
        )

    async def lifespan(self, _app: web.Application) -> AsyncIterator[None]:
        """For ``app.cleanup_ctx``: start the callback workers, stop them on shutdown."""
        await self.sender.start()
        yield
        await self.sender.close()

    def reset(self) -> None:
        """Back to the state at start: counters, keys, scheduled callbacks, start faults."""
        self.generation += 1
        self.stats.reset()
        self.idempotency.clear()
        self.sends.clear()
        self.sender.reset()
        self.faults.set(self.settings.faults)

    def snapshot(self) -> dict[str, object]:
        return {
            "simulator": self.name,
            **self.stats.snapshot(),
            "faults": self.faults.snapshot(),
            "callback_backlog": self.sender.backlog,
            "time_scale": self.settings.time_scale,
            "profile": self.settings.profile,
        }

    def count_send(self, channel: str, recipient: str) -> int:
        """Count one accepted send; returns how many ``recipient`` has had on ``channel``."""
        key = (channel, recipient)
        self.sends[key] += 1
        self.stats.accepted[channel] += 1
        return self.sends[key]

    def replay(self, scope: str, key: str, fingerprint: object) -> StoredResponse | None:
        """The stored answer for a retried key, counted; raises on a reused key."""
        stored = self.idempotency.get(scope, key)
        if stored is None:
            return None
        if stored.fingerprint != fingerprint:
            raise IdempotencyConflict(key)
        self.stats.duplicates_replayed += 1
        return stored

    def remember(self, scope: str, key: str, stored: StoredResponse) -> None:
        self.idempotency.put(scope, key, stored)
        self.stats.idempotency_keys += 1
