"""Figures from a process's Prometheus ``/metrics``: counter sums and histogram quantiles.

Quantiles are estimated from the buckets as Prometheus' ``histogram_quantile`` does (linear
inside the bucket that holds the rank), so they are only as fine as the bucket bounds.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

QUANTILES = (0.5, 0.9, 0.99)


async def scrape(url: str) -> str:
    """The text of ``url`` (a ``/metrics`` address); "" when the process does not answer."""
    try:
        async with aiohttp.ClientSession() as session, session.get(url) as resp:
            return await resp.text() if resp.status == 200 else ""
    except aiohttp.ClientError:
        return ""


def _key(labels: dict[str, str], by: Sequence[str]) -> str:
    return " ".join(labels.get(name, "") for name in by)


def counter_sums(text: str, name: str, by: Sequence[str]) -> dict[str, float]:
    """``sum by (by) (name_total)``, keyed by the ``by`` label values joined with spaces."""
    sums: dict[str, float] = defaultdict(float)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == f"{name}_total":
                sums[_key(sample.labels, by)] += sample.value
    return dict(sums)


def quantile(q: float, buckets: Iterable[tuple[float, float]]) -> float:
    """The ``q`` quantile from cumulative ``(upper bound, count)`` buckets (NaN when empty)."""
    ordered = sorted(buckets)
    if not ordered or ordered[-1][1] <= 0:
        return math.nan
    rank = q * ordered[-1][1]
    lower, below = 0.0, 0.0
    for bound, count in ordered:
        if count >= rank:
            if math.isinf(bound):
                return lower  # above the last finite bound: report that bound
            if count == below:
                return bound
            return lower + (bound - lower) * (rank - below) / (count - below)
        lower, below = bound, count
    return lower


def histogram_quantiles(
    text: str, name: str, by: Sequence[str], quantiles: Sequence[float] = QUANTILES
) -> dict[str, dict[str, float]]:
    """Per ``by`` key: ``{"p50": seconds, ..., "count": observations}`` of histogram ``name``."""
    cumulative: dict[str, dict[float, float]] = defaultdict(lambda: defaultdict(float))
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == f"{name}_bucket":
                bound = float(sample.labels["le"])
                cumulative[_key(sample.labels, by)][bound] += sample.value
    figures: dict[str, dict[str, float]] = {}
    for key, buckets in sorted(cumulative.items()):
        total = buckets.get(math.inf, 0.0)
        if total <= 0:
            continue
        row = {f"p{round(q * 100)}": quantile(q, buckets.items()) for q in quantiles}
        row["count"] = total
        figures[key] = row
    return figures
