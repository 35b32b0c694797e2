"""Deadlines: attempts the vendor accepted long ago with no final status are closed.

Every ``dispatch_deadline_sweep_seconds``: an attempt whose request is older than its mode's
status deadline takes ``decisions.expired_status`` (No Call Status for voice and text, a text
still Sent stays Sent, No Status for email and inbox) and its target settles. Deadlines count
from ``request_time``, so they survive restarts. The status is provisional (``provisional = 1``,
vendor code ``deadline``): a vendor's answer that arrives later replaces it, and dispatch
revises the target and the counters (``settle.revise``, docs/statuses.md).
"""

from __future__ import annotations

from smlog.domain import DEADLINE_CODE
from smlog.services.dispatch.decisions import Final, expired_status
from smlog.services.dispatch.policy import MODES, DispatchPolicy
from smlog.services.dispatch.settle import Settled, settle
from smlog.store import Database, row_lock

__all__ = ["expire_deadlines"]


async def expire_deadlines(
    db: Database, policy: DispatchPolicy, now_us: int, limit: int
) -> tuple[int, Settled]:
    """Close up to ``limit`` expired attempts per mode. Nothing expired is seen on a reader,
    without taking the write lock."""
    oldest = now_us - min(policy.deadline_us[mode] for mode in MODES)
    probe = await db.fetch_one(
        "SELECT 1 FROM attempts WHERE is_final = 0 AND request_time < ? LIMIT 1", (oldest,)
    )
    if probe is None:
        return 0, Settled()
    async with db.transaction() as tx:
        rows = []
        for mode in MODES:
            rows += await tx.fetch_all(
                "SELECT id, target_id, number, mode, status FROM attempts WHERE is_final = 0"  # noqa: S608
                " AND request_time < ? AND mode = ? ORDER BY request_time LIMIT ?"
                # Several workers sweep at once: each closes the attempts it locked, and
                # passes over those another worker (or status, applying events) holds.
                + row_lock(tx.dialect, skip_locked=True),
                (now_us - policy.deadline_us[mode], mode, limit),
            )
        if not rows:
            return 0, Settled()
        updates, finals, results = [], [], []  # results: (mode, status)
        for r in rows:
            mode = int(r["mode"])
            status = expired_status(mode, int(r["status"]))
            updates.append((status, now_us, DEADLINE_CODE, int(r["id"])))
            finals.append(Final(int(r["target_id"]), int(r["number"]), status, now_us))
            results.append((mode, status))
        tx.queue(
            "UPDATE attempts SET status = ?, status_time = ?, is_final = 1, provisional = 1,"
            " vendor_code = ? WHERE id = ? AND is_final = 0",
            updates,
        )
        settled = await settle(tx, finals, policy)
    settled.attempts_final = results
    return len(rows), settled
