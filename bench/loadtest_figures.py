"""The load test's campaigns and the figures computed from them (no I/O here).

Percentiles across campaigns interpolate linearly between the sorted values (with a handful
of campaigns p99 is close to the maximum). Preemption: an Emergency campaign started while
General campaigns were in flight should have 95 % of its first attempts answered sooner than
they do (the whole First Attempt Duration waits for the slowest device: with the realistic
profile a device that never gets a status ends it at the status deadline, in every campaign).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from smlog.cli.stackrun import first_attempt_s, seconds
from smlog.domain.labels import type_label
from smlog.v1 import common_pb2

M = common_pb2
FINAL = (M.MESSAGE_STATUS_SENT, M.MESSAGE_STATUS_ERRORED, M.MESSAGE_STATUS_CANCELED,
         M.MESSAGE_STATUS_NO_RECIPIENTS)  # fmt: skip


def campaign_types(count: int, concurrency: int) -> list[int]:
    """Message types in launch order, by waves of ``concurrency`` campaigns: the last of each
    wave is Emergency (it starts while the wave's others run), the one before it Priority
    (waves of three or more), the rest General."""
    types: list[int] = []
    for i in range(count):
        position = i % concurrency
        if concurrency >= 2 and position == concurrency - 1:
            types.append(M.MESSAGE_TYPE_EMERGENCY)
        elif concurrency >= 3 and position == concurrency - 2:
            types.append(M.MESSAGE_TYPE_PRIORITY)
        else:
            types.append(M.MESSAGE_TYPE_GENERAL)
    return types


@dataclass
class Campaign:
    index: int
    message_type: int
    message_id: int = 0
    started: bool = False
    progress: common_pb2.DispatchProgress = field(default_factory=common_pb2.DispatchProgress)
    # Campaigns (by index) in flight when this one started.
    overtook: list[int] = field(default_factory=list)
    # Seconds from dispatch start until 95 % of the first attempts to first devices had a
    # final status (from the store; unlike First Attempt Duration, one silent device or a
    # status deadline does not decide it).
    first_p95_s: float = math.nan

    def update(self, progress: common_pb2.DispatchProgress) -> None:
        self.progress = progress

    @property
    def type_name(self) -> str:
        """ "General", "Priority", "Emergency" (the label without its "Messenger 2.0 - ")."""
        return type_label(self.message_type).rsplit(" - ", 1)[-1]

    @property
    def done(self) -> bool:
        return self.progress.status in FINAL

    @property
    def in_flight(self) -> bool:
        return self.started and not self.done

    def total(self, name: str) -> int:
        """A Delivery Information counter summed over modes, e.g. ``total_attempts``."""
        return sum(int(getattr(m, name)) for m in self.progress.modes)

    @property
    def first_complete(self) -> bool:
        modes = self.progress.modes
        return bool(modes) and all(m.first_attempt_complete for m in modes)

    @property
    def first_s(self) -> float:
        return first_attempt_s(self.progress)

    @property
    def start_s(self) -> float:
        """Dispatch start (epoch seconds)."""
        return seconds(self.progress.dispatch_start_time)

    @property
    def total_s(self) -> float:
        return seconds(self.progress.total_message_duration)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` (0..1) percentile, linear between sorted values (NaN when empty)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def spread(values: Sequence[float]) -> dict[str, float]:
    """p50, p90, p99 and max, in seconds rounded to the millisecond."""
    figures = {f"p{q}": percentile(values, q / 100) for q in (50, 90, 99)}
    figures["max"] = max(values, default=math.nan)
    return {k: round(v, 3) for k, v in figures.items()}


def by_type(campaigns: Sequence[Campaign]) -> dict[str, dict[str, Any]]:
    """Per message type: campaigns, and the p50 of their first-attempt and total durations."""
    figures: dict[str, dict[str, Any]] = {}
    for name in dict.fromkeys(c.type_name for c in campaigns):
        group = [c for c in campaigns if c.type_name == name]
        figures[name] = {
            "campaigns": len(group),
            "first_attempt_s_p50": round(percentile([c.first_s for c in group], 0.5), 3),
            "first_attempts_p95_s_p50": round(percentile([c.first_p95_s for c in group], 0.5), 3),
            "total_s_p50": round(percentile([c.total_s for c in group], 0.5), 3),
        }
    return figures


def preemption(campaigns: Sequence[Campaign]) -> list[dict[str, Any]]:
    """Each Emergency campaign against the General campaigns still in their first attempts
    (less than 95 % answered) when it started."""
    rows = []
    for c in campaigns:
        if c.message_type != M.MESSAGE_TYPE_EMERGENCY:
            continue
        generals = [
            g
            for g in (campaigns[i] for i in c.overtook)
            if g.message_type == M.MESSAGE_TYPE_GENERAL and g.start_s + g.first_p95_s > c.start_s
        ]
        if not generals:
            continue
        rows.append(
            {
                "emergency": c.index,
                "first_attempts_p95_s": round(c.first_p95_s, 3),
                "generals_first_attempts_p95_s": [round(g.first_p95_s, 3) for g in generals],
                "first_attempt_s": round(c.first_s, 3),
                "generals_first_attempt_s": [round(g.first_s, 3) for g in generals],
                "overtook": all(c.first_p95_s < g.first_p95_s for g in generals),
            }
        )
    return rows
