"""Building blocks of outcome profiles: latency distributions and weighted outcome mixes."""

from __future__ import annotations

import bisect
import itertools
import random
import zlib
from dataclasses import dataclass, field

__all__ = ["Latency", "Mix", "scaled", "stable_fraction"]


@dataclass(frozen=True, slots=True)
class Latency:
    """A triangular distribution of vendor seconds: ``low`` <= sample <= ``high``, peak at
    ``mode``. Cheap to sample and good enough to give realistic spread with a long-ish tail.
    """

    low: float
    mode: float
    high: float

    def __post_init__(self) -> None:
        if not 0 <= self.low <= self.mode <= self.high:
            raise ValueError(f"latency needs 0 <= low <= mode <= high, got {self}")

    def sample(self, rng: random.Random) -> float:
        if self.low == self.high:
            return self.low
        return rng.triangular(self.low, self.high, self.mode)


@dataclass(frozen=True, slots=True)
class Mix:
    """Outcome weights, e.g. ``Mix({"completed": 0.65, "busy": 0.08, ...})``; they need not
    sum to 1 (they are normalised)."""

    weights: dict[str, float]
    _names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _cumulative: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.weights or any(w < 0 for w in self.weights.values()):
            raise ValueError("a mix needs at least one outcome and no negative weight")
        total = sum(self.weights.values())
        if total <= 0:
            raise ValueError("a mix needs a positive total weight")
        names = tuple(name for name, weight in self.weights.items() if weight > 0)
        cumulative = tuple(itertools.accumulate(self.weights[name] / total for name in names))
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "_cumulative", cumulative)

    def choose(self, rng: random.Random) -> str:
        index = bisect.bisect_right(self._cumulative, rng.random())
        return self._names[min(index, len(self._names) - 1)]

    def share(self, name: str) -> float:
        """The normalised share of ``name`` (0 when absent)."""
        return self.weights.get(name, 0.0) / sum(self.weights.values())


def scaled(vendor_seconds: float, time_scale: float) -> float:
    """Real seconds for a vendor-time delay under ``time_scale`` (0 = as fast as possible)."""
    return vendor_seconds * time_scale if time_scale > 0 else 0.0


def stable_fraction(value: str) -> float:
    """A number in [0, 1) fixed for ``value`` across runs and processes (unlike ``hash``):
    used for properties of a device that must not change between sends, e.g. "is a landline".
    """
    return (zlib.crc32(value.encode()) & 0xFFFFFFFF) / 2**32
