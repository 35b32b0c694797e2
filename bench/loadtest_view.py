"""What the load test shows: a live table of its campaigns and the final report (rich)."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from smlog.bench.loadtest_figures import Campaign
from smlog.cli import format as fmt


def _s(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.2f} s"


def campaign_table(campaigns: Sequence[Campaign], started: float | None) -> Group:
    """One row per campaign: status, counters and durations so far."""
    table = Table(expand=False)
    for column in ("#", "Msg", "Type", "Status", "Devices", "Attempts", "Success", "Error",
                   "Pending", "1st Att.", "Total"):  # fmt: skip
        table.add_column(column, justify="right")
    attempts = 0
    for c in campaigns:
        attempts += c.total("total_attempts")
        if not c.started:
            table.add_row(str(c.index), str(c.message_id or ""), c.type_name, "waiting")
            continue
        table.add_row(
            str(c.index), str(c.message_id), c.type_name,
            fmt.message_status(c.progress.status) if c.progress.status else "starting",
            str(c.total("total_devices")), str(c.total("total_attempts")),
            str(c.total("total_successful")), str(c.total("total_error")),
            str(c.total("total_pending")),
            _s(c.first_s) + ("" if c.first_complete else "…"), _s(c.total_s),
        )  # fmt: skip
    elapsed = time.monotonic() - started if started is not None else 0.0
    rate = attempts / elapsed if elapsed > 0 else 0.0
    running = sum(c.in_flight for c in campaigns)
    done = sum(c.done for c in campaigns)
    head = Text(
        f"load test: {done}/{len(campaigns)} campaigns done, {running} in flight, "
        f"{attempts:,} attempts in {elapsed:.1f} s ({rate:,.0f}/s)",
        style="bold",
    )
    return Group(head, table)


def _spread_row(table: Table, name: str, figures: dict[str, float]) -> None:
    cells = [f"{figures.get(k, math.nan):.3f}" for k in ("p50", "p90", "p99", "max")]
    table.add_row(name, *(c if c != "nan" else "" for c in cells))


def report(console: Console, figures: dict[str, Any]) -> None:
    """The final report, for people (the JSON line follows it)."""
    console.print(
        f"[bold]{figures['campaigns']} campaigns of {figures['recipients']:,} recipients, "
        f"at most {figures['concurrency']} at once[/bold] — modes {', '.join(figures['modes'])}"
        f", profile {figures['profile']}, faults {figures['faults'] or 'none'}"
    )
    console.print(
        f"{figures['attempts']:,} attempts to {figures['devices']:,} devices in "
        f"{figures['wall_s']:.2f} s: [bold]{figures['attempts_per_s']:,.1f} attempts/s[/bold]"
        f" (sent to the vendors in {figures['sending_s']:.2f} s: "
        f"{figures['sent_attempts_per_s']:,.1f}/s; {figures['cpu_us_per_attempt']:,.0f} µs CPU"
        f" per attempt over all processes); recipients uploaded in {figures['upload_s']:.2f} s"
    )
    table = Table(title="Durations across campaigns and vendor latencies")
    for column in ("figure", "p50", "p90", "p99", "max"):
        table.add_column(column, justify="right")
    _spread_row(table, "Total Message Duration (s)", figures["total_message_s"])
    _spread_row(table, "First Attempt Duration (s)", figures["first_attempt_s"])
    _spread_row(table, "first attempts 95 % answered (s)", figures["first_attempts_p95_s"])
    for key, row in figures["latency_ms"].items():
        _spread_row(table, f"{key} (ms)", row)
    console.print(table)
    types = Table(title="By message type (p50 across campaigns)")
    for column in ("type", "campaigns", "95 % first attempts", "First Attempt", "Total"):
        types.add_column(column, justify="right")
    for name, row in figures["by_type"].items():
        types.add_row(
            name, str(row["campaigns"]), _s(row["first_attempts_p95_s_p50"]),
            _s(row["first_attempt_s_p50"]), _s(row["total_s_p50"]),
        )  # fmt: skip
    console.print(types)
    for row in figures["preemption"]:
        generals = ", ".join(f"{v:.2f} s" for v in row["generals_first_attempts_p95_s"])
        verdict = "[green]overtook them[/green]" if row["overtook"] else "[red]did not[/red]"
        console.print(
            f"Emergency #{row['emergency']}: 95 % of first attempts answered in "
            f"{row['first_attempts_p95_s']:.2f} s; General campaigns still in their first "
            f"attempts when it started: {generals} — {verdict}"
        )
    errors = figures["errors"]
    console.print(
        f"errors: {errors['error_attempts']:,} attempts in the error group "
        f"{errors['error_statuses'] or ''}; vendor request errors {errors['vendor_errors'] or 0};"
        f" simulators answered 5xx {errors['sim_5xx']:,}, 429 {errors['sim_429']:,}; "
        f"callbacks dropped {errors['callbacks_dropped']:,}"
    )
    console.print(
        f"status path: callback received → applied p50 {figures['status_lag_p50_s']:.3f} s,"
        f" p99 {figures['status_lag_p99_s']:.3f} s; applied → counted by dispatch p99"
        f" {figures['settle_lag_p99_s']:.3f} s; vendor event → applied p99"
        f" {figures['callback_lag_p99_s']:.3f} s; deadline statuses replaced by a late answer"
        f" {figures['deadline_revisions']:,}"
    )
    verdict = "green" if figures["duplicates"] == 0 and figures["lost"] == 0 else "red"
    console.print(
        f"[{verdict}]duplicates {figures['duplicates']}, lost {figures['lost']}[/{verdict}]"
        f" (accepted by the simulators {figures['accepted']:,}, our sends {figures['sent']:,})"
    )
