"""The load test's figures once every campaign finished: the campaigns' own progress, the
store's attempt statuses, the processes' metrics and the simulators' stats."""

from __future__ import annotations

from collections import Counter
from typing import Any

from smlog.bench.loadtest_figures import Campaign, by_type, percentile, preemption, spread
from smlog.bench.status_lag import status_lags
from smlog.cli import format as fmt
from smlog.cli.accounting import account, sim_stats
from smlog.cli.promtext import counter_sums, histogram_quantiles, scrape
from smlog.cli.stackrun import seconds
from smlog.cli.up import Stack
from smlog.config import Settings
from smlog.domain import status_group
from smlog.store.opening import reading
from smlog.v1 import common_pb2


async def _store_figures(
    settings: Settings, campaigns: list[Campaign]
) -> tuple[dict[int, int], float]:
    """Attempts by status over the (private) store, each campaign's ``first_p95_s``, and the
    sending window: the first dispatch start to the last vendor request accepted."""
    async with reading(settings.store_url()) as db:
        rows = await db.fetch_all("SELECT status, count(*) FROM attempts GROUP BY status")
        firsts = await db.fetch_all(
            "SELECT a.message_id, a.status_time - m.sent_time FROM attempts a"
            " JOIN targets t ON t.id = a.target_id JOIN messages m ON m.id = a.message_id"
            " WHERE a.number = 1 AND t.is_first_device = 1 AND a.is_final = 1"
        )
        window = await db.fetch_one(
            "SELECT (SELECT max(request_time) FROM attempts)"
            " - (SELECT min(sent_time) FROM messages)"
        )
    by_message: dict[int, list[float]] = {}
    for row in firsts:
        by_message.setdefault(int(row[0]), []).append(int(row[1]) / 1e6)
    for c in campaigns:
        c.first_p95_s = percentile(by_message.get(c.message_id, []), 0.95)
    sending_s = int(window[0]) / 1e6 if window is not None and window[0] is not None else 0.0
    return {int(row[0]): int(row[1]) for row in rows}, sending_s


def _ms(rows: dict[str, dict[str, float]], label: str) -> dict[str, dict[str, float]]:
    """Histogram quantiles in seconds → milliseconds (the count kept as is)."""
    return {
        label.format(key=key): {
            k: (round(v * 1000, 2) if k != "count" else int(v)) for k, v in row.items()
        }
        for key, row in rows.items()
    }


async def _latencies(settings: Settings) -> tuple[dict[str, Any], dict[str, int]]:
    """Latencies in ms: vendor requests (dispatch's side), webhook answers (as the simulators
    saw the status service answer), status lag (vendor event time to applied); and vendor
    request errors by vendor and kind."""
    dispatch = await scrape(f"http://{settings.host}:{settings.dispatch_metrics_port}/metrics")
    by_call = ("vendor", "operation")
    latency = _ms(
        histogram_quantiles(dispatch, "smlog_vendor_request_seconds", by_call), "{key} request"
    )
    for url in (settings.voxology_url, settings.mailgun_url):
        text = await scrape(f"{url}/metrics")
        rows = histogram_quantiles(text, "smlog_sim_callback_duration_seconds", ("kind",))
        latency.update(_ms(rows, "{key} webhook answer"))
    status = await scrape(f"http://{settings.host}:{settings.status_metrics_port}/metrics")
    lag = histogram_quantiles(status, "smlog_status_event_lag_seconds", ())
    latency.update(_ms(lag, "status lag{key}"))
    errors = counter_sums(dispatch, "smlog_vendor_request_errors", ("vendor", "kind"))
    return latency, {k: int(v) for k, v in errors.items() if v}


def _responses(stats: dict[str, Any], low: int, high: int) -> int:
    return sum(int(n) for code, n in stats.get("responses", {}).items() if low <= int(code) < high)


async def collect(
    stack: Stack,
    campaigns: list[Campaign],
    options: dict[str, Any],
    *,
    upload_s: float,
    cpu_s: float,
) -> dict[str, Any]:
    settings = stack.settings
    voxology = await sim_stats(settings.voxology_url)
    mailgun = await sim_stats(settings.mailgun_url)
    books = await account(settings, voxology, mailgun)
    latency_ms, vendor_errors = await _latencies(settings)
    starts = [seconds(c.progress.dispatch_start_time) for c in campaigns]
    ends = [seconds(c.progress.dispatch_end_time) for c in campaigns]
    wall_s = max(ends) - min(starts) if campaigns else 0.0
    attempts = sum(c.total("total_attempts") for c in campaigns)
    statuses = Counter(fmt.message_status(c.progress.status) for c in campaigns)
    counts, sending_s = await _store_figures(settings, campaigns)
    error_statuses = {
        fmt.device_status(s): n
        for s, n in counts.items()
        if status_group(s) == common_pb2.STATUS_GROUP_ERROR
    }
    return {
        "campaigns": len(campaigns),
        "recipients": options["recipients"],
        "concurrency": options["concurrency"],
        "modes": list(options["modes"]),
        "profile": options["profile"],
        "faults": options["faults"],
        "devices": sum(c.total("total_devices") for c in campaigns),
        "attempts": attempts,
        "message_statuses": dict(statuses),
        "upload_s": round(upload_s, 3),
        "wall_s": round(wall_s, 3),
        "attempts_per_s": round(attempts / wall_s, 1) if wall_s > 0 else 0.0,
        "sending_s": round(sending_s, 3),
        "sent_attempts_per_s": round(attempts / sending_s, 1) if sending_s > 0 else 0.0,
        "cpu_us_per_attempt": round(cpu_s * 1e6 / attempts, 1) if attempts else 0.0,
        "total_message_s": spread([c.total_s for c in campaigns]),
        "first_attempt_s": spread([c.first_s for c in campaigns]),
        "first_attempts_p95_s": spread([c.first_p95_s for c in campaigns]),
        "by_type": by_type(campaigns),
        "preemption": preemption(campaigns),
        "latency_ms": latency_ms,
        "attempt_statuses": {fmt.device_status(s): n for s, n in sorted(counts.items())},
        "errors": {
            "error_attempts": sum(error_statuses.values()),
            "error_statuses": error_statuses,
            "vendor_errors": vendor_errors,
            "sim_5xx": _responses(voxology, 500, 600) + _responses(mailgun, 500, 600),
            "sim_429": _responses(voxology, 429, 430) + _responses(mailgun, 429, 430),
            "callbacks_dropped": books.dropped,
        },
        "accepted": books.accepted,
        "sent": books.sent,
        "duplicates": books.duplicates,
        "lost": books.lost,
        **await status_lags(settings),
    }
