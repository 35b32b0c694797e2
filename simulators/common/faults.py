"""Fault injection: what can go wrong between a vendor and us, switchable at start and at runtime.

Callback faults (``drop``, ``duplicate``, ``delay``, ``reorder``) are probabilities in [0, 1]
applied per callback (``reorder`` per call, text or email: its events are posted in reverse
order). API faults: ``error_burst`` answers the next N API requests with a 500,
``error_rate`` answers that share of them with a 500, ``slow`` holds that share of responses
``slow_s`` *real* seconds after the request took effect (to outlast a client's deadline),
``outage_s`` answers every API request with a 500 for that many *real* seconds from the
moment the faults are set (a vendor outage of a set length, then recovery).
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["FaultSpec", "FaultState"]

_T = TypeVar("_T")
_PROBABILITIES = ("drop", "duplicate", "delay", "reorder", "error_rate", "slow")


@dataclass(frozen=True, slots=True)
class FaultSpec:
    drop: float = 0.0
    duplicate: float = 0.0
    delay: float = 0.0
    delay_s: float = 0.0
    reorder: float = 0.0
    error_burst: int = 0
    error_rate: float = 0.0
    slow: float = 0.0
    slow_s: float = 0.0
    outage_s: float = 0.0

    def __post_init__(self) -> None:
        for name in _PROBABILITIES:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"fault {name!r} is a probability in [0, 1], got {value}")
        if min(self.delay_s, self.slow_s, self.outage_s, self.error_burst) < 0:
            raise ValueError("delay_s, slow_s, outage_s and error_burst must not be negative")

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> FaultSpec:
        """Build from JSON or flag values; unknown names and bad values raise ``ValueError``.

        Giving ``delay_s`` (``slow_s``) without ``delay`` (``slow``) applies it to every
        callback (response).
        """
        known = {f.name: f.type for f in dataclasses.fields(cls)}
        kwargs: dict[str, float | int] = {}
        for name, raw in values.items():
            if name not in known:
                raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(known))}")
            if isinstance(raw, bool) or not isinstance(raw, int | float | str):
                raise ValueError(f"fault {name!r} needs a number")
            try:
                kwargs[name] = int(raw) if name == "error_burst" else float(raw)
            except ValueError:
                raise ValueError(f"fault {name!r} needs a number, got {raw!r}") from None
        if "delay_s" in kwargs and "delay" not in kwargs:
            kwargs["delay"] = 1.0
        if "slow_s" in kwargs and "slow" not in kwargs:
            kwargs["slow"] = 1.0
        return cls(**kwargs)  # type: ignore[arg-type]

    @classmethod
    def parse(cls, text: str) -> FaultSpec:
        """Parse the flag form ``"drop=0.1,duplicate=0.05,error_burst=20"`` ("" = none)."""
        pairs: dict[str, object] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, sep, value = item.partition("=")
            if not sep:
                raise ValueError(f"fault {item!r} is not name=value")
            pairs[name.strip()] = value.strip()
        return cls.from_mapping(pairs)

    def to_dict(self) -> dict[str, float | int]:
        return dataclasses.asdict(self)


class FaultState:
    """The faults in force, with the countdown of an error burst."""

    def __init__(self, spec: FaultSpec, rng: random.Random) -> None:
        self._rng = rng
        self.spec = spec
        self._burst_left = spec.error_burst
        self._outage_until = 0.0
        self._callbacks_on = False
        self._api_on = False
        self.set(spec)

    def set(self, spec: FaultSpec) -> None:
        self.spec = spec
        self._burst_left = spec.error_burst
        self._outage_until = time.monotonic() + spec.outage_s
        self._callbacks_on = any((spec.drop, spec.duplicate, spec.delay, spec.reorder))
        self._api_on = bool(spec.error_burst or spec.error_rate or spec.slow or spec.outage_s)

    def snapshot(self) -> dict[str, object]:
        outage_left = round(max(self._outage_until - time.monotonic(), 0.0), 3)
        return {
            **self.spec.to_dict(),
            "error_burst_left": self._burst_left,
            "outage_left_s": outage_left,
        }

    def _hit(self, probability: float) -> bool:
        return probability > 0 and self._rng.random() < probability

    def api_error(self) -> bool:
        """Whether this API request answers 500 (a vendor-side failure)."""
        if not self._api_on:
            return False
        if time.monotonic() < self._outage_until:
            return True
        if self._burst_left > 0:
            self._burst_left -= 1
            return True
        return self._hit(self.spec.error_rate)

    def slow_s(self) -> float:
        """Real seconds to hold this response (0 = answer at once)."""
        if self._api_on and self._hit(self.spec.slow):
            return self.spec.slow_s
        return 0.0

    def drop(self) -> bool:
        return self._callbacks_on and self._hit(self.spec.drop)

    def duplicate(self) -> bool:
        return self._callbacks_on and self._hit(self.spec.duplicate)

    def extra_delay_s(self) -> float:
        """Vendor seconds to hold back this callback."""
        if self._callbacks_on and self._hit(self.spec.delay):
            return self.spec.delay_s
        return 0.0

    def reorder(self, items: list[_T]) -> list[_T]:
        """``items`` in reverse order when a reorder fault hits, else unchanged."""
        if len(items) > 1 and self._callbacks_on and self._hit(self.spec.reorder):
            return items[::-1]
        return items
