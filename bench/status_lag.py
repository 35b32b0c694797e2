"""The status path's lag, read from the (private) store after a benchmark or load test:

- ``status_lag_p50_s`` / ``status_lag_p99_s``: a vendor callback received by the webhook edge
  (``webhook_journal.received_time``) → applied to its attempt (``applied_time``, the apply
  transaction), over every callback applied (inbound texts, which name no attempt, aside);
- ``settle_lag_p99_s``: a final outcome written by the status service
  (``attempt_outcomes.applied_time``) → counted by dispatch (``consumed_time``);
- ``callback_lag_p99_s``: the vendor's event time → applied, over Voxology's call and text
  callbacks: it includes the time a callback waited on the vendor's side before our edge took
  it (the simulators queue them while the edge is busy);
- ``deadline_revisions``: attempts a status deadline closed whose vendor status came later
  and replaced the deadline's (docs/statuses.md).
"""

from __future__ import annotations

import math

from smlog.bench.loadtest_figures import percentile
from smlog.config import Settings
from smlog.store.opening import reading

__all__ = ["status_lags"]

_APPLIED = 1


def _round(value: float) -> float:
    return round(value, 3) if not math.isnan(value) else 0.0


async def status_lags(settings: Settings) -> dict[str, float | int]:
    async with reading(settings.store_url()) as db:
        applied = await db.fetch_all(
            "SELECT applied_time - received_time FROM webhook_journal"
            " WHERE state = ? AND kind <> 'inbound' AND applied_time IS NOT NULL",
            (_APPLIED,),
        )
        counted = await db.fetch_all(
            "SELECT consumed_time - applied_time FROM attempt_outcomes"
            " WHERE consumed = 1 AND consumed_time IS NOT NULL AND applied_time IS NOT NULL"
        )
        vendor = await db.fetch_all(
            "SELECT applied_time - event_time FROM attempt_events"
            " WHERE source IN ('voxology-call', 'voxology-sms')"
        )
        revised = await db.fetch_one(
            "SELECT count(*) FROM attempt_events WHERE source = 'deadline'"
        )
    status = [max(int(r[0]), 0) / 1e6 for r in applied]
    settle = [max(int(r[0]), 0) / 1e6 for r in counted]
    return {
        "status_lag_p50_s": _round(percentile(status, 0.5)),
        "status_lag_p99_s": _round(percentile(status, 0.99)),
        "settle_lag_p99_s": _round(percentile(settle, 0.99)),
        "callback_lag_p99_s": _round(percentile([max(int(r[0]), 0) / 1e6 for r in vendor], 0.99)),
        "deadline_revisions": int(revised[0]) if revised is not None else 0,
    }
