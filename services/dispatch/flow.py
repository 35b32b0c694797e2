"""Flow control: dispatch slows its sending when the status path falls behind.

Every vendor request dispatch sends comes back as callbacks the status service must apply
and outcomes dispatch must count. When that path is slower than sending (a burst of several
districts, a slow database, a status restart), the backlog would grow without bound and
status deadlines would fire on answers that are already on their way. So dispatch measures
the **status lag** (``measure_lag``) and limits the rate at which it claims vendor-sent
attempts (``FlowControl``, pure) — never below a floor, so an emergency never stops.

The lag, in seconds, is the largest of three parts, each on our side of the path:

- apply: the median, over the last ``RECENT_EVENTS`` journal rows applied in the last
  ``RECENT_SECONDS``, of callback received by the webhook edge → applied by the status worker;
- journal: the age of the oldest journal row not applied yet: the backlog the worker's stage
  builds when it falls behind the edge (the one that once delayed callbacks past their status
  deadline at 100,000 recipients);
- settle: the age of the oldest final outcome the status service wrote and dispatch has not
  counted.

A fourth figure, callbacks (the median Voxology event time → applied of the latest call and
text callbacks), is measured and exported but does not set the limit. It includes the wait on the
vendor's side, and in the benchmark the simulators share the two cores: limiting on it cut
sending at the default size whenever the machine was busy (1,001 → 734 attempts/s in one
sitting, with a 30 s target), and at 100,000 recipients a variant limiting on every callback
fell to its floor within 40 s. Our parts are what "applying falls behind" means.

``FlowControl.update`` (once per ``dispatch_flow_seconds``): over the target lag
(``dispatch_flow_target_lag_seconds``) the limit becomes 0.7 times the rate sent lately (or
the limit in force, if lower), never below ``dispatch_flow_min_per_second``, and then holds
for as long as the lag measured at the cut: the lag is measured on callbacks of requests sent
that long before, so it keeps rising for a while after a cut, and cutting again each second
would throttle far below what the status path can take. Under half the target the limit
grows by a quarter, and it is lifted once sending stays under half of it (demand is lower
than the limit). Otherwise it holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from smlog.store import Database, Row

__all__ = ["DECREASE", "INCREASE", "FlowControl", "Lag", "measure_lag"]

DECREASE = 0.7
INCREASE = 1.25
RECENT_EVENTS = 200
RECENT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Lag:
    apply_s: float = 0.0
    journal_s: float = 0.0
    settle_s: float = 0.0
    callbacks_s: float = 0.0

    @property
    def seconds(self) -> float:
        return max(self.apply_s, self.journal_s, self.settle_s)  # callbacks: exported only


@dataclass
class FlowControl:
    """The sending limit (attempts per second; None: not limited), from the measured lag."""

    target_lag_s: float
    min_rate: float
    rate: float | None = None
    hold_until_s: float = 0.0  # no further cut before this time (seconds, any monotonic clock)

    def update(self, lag_s: float, sent_rate: float, now_s: float) -> float | None:
        """The new limit, given the lag now and the attempts per second sent lately."""
        if self.target_lag_s <= 0:  # flow control off
            self.rate = None
        elif lag_s > self.target_lag_s:
            if self.rate is None or now_s >= self.hold_until_s:
                base = sent_rate if self.rate is None else min(self.rate, max(sent_rate, 1.0))
                self.rate = max(self.min_rate, base * DECREASE)
                self.hold_until_s = now_s + lag_s
        elif self.rate is not None and lag_s < self.target_lag_s / 2:
            if sent_rate < self.rate / 2:
                self.rate = None  # the limit no longer binds: demand is below it
            else:
                self.rate *= INCREASE
        return self.rate


def _median(values: list[int]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] / 1e6 if ordered else 0.0


async def measure_lag(db: Database, now_us: int) -> Lag:
    """The status path's lag now (see the module's doc); a few indexed reads, no write lock."""
    recent = now_us - int(RECENT_SECONDS * 1e6)
    applied = await db.fetch_all(
        "SELECT applied_time - received_time, applied_time, received_time FROM webhook_journal"
        " ORDER BY id DESC LIMIT ?",
        (RECENT_EVENTS,),
    )
    events = await db.fetch_all(
        "SELECT applied_time - event_time, applied_time FROM attempt_events"
        " WHERE source IN ('voxology-call', 'voxology-sms') ORDER BY id DESC LIMIT ?",
        (RECENT_EVENTS,),
    )
    waiting_since = _oldest_waiting(applied)
    if waiting_since is None:  # the oldest of the newest rows waits: older ones may too
        row = await db.fetch_one(
            "SELECT received_time FROM webhook_journal WHERE state = 0 ORDER BY id LIMIT 1"
        )
        waiting_since = int(row[0]) if row is not None and row[0] is not None else 0
    outcome = await db.fetch_one(
        "SELECT MIN(applied_time) FROM attempt_outcomes WHERE consumed = 0"
    )
    return Lag(
        apply_s=_recent_median(applied, recent),
        journal_s=max(now_us - waiting_since, 0) / 1e6 if waiting_since else 0.0,
        settle_s=_age(outcome, now_us),
        callbacks_s=_recent_median(events, recent),
    )


def _oldest_waiting(newest: list[Row]) -> int | None:
    """The received time of the oldest row not applied yet among the journal's newest rows
    (newest first); 0 when all are applied; None when none is read, or the oldest of them
    waits too, so that older rows may also wait.

    The status worker applies rows in journal order, so the rows waiting are the newest ones
    and this needs no read of its own. Reading the oldest waiting row by the index on
    (state, id) would first visit every row applied since the last vacuum."""
    if not newest or newest[-1][1] is None:
        return None
    return min((int(r[2]) for r in newest if r[1] is None), default=0)


def _recent_median(rows: list[Row], since_us: int) -> float:
    return _median([max(int(r[0]), 0) for r in rows if r[1] is not None and int(r[1]) >= since_us])


def _age(row: object, now_us: int) -> float:
    if row is None:
        return 0.0
    value = row[0]  # type: ignore[index]
    return max(now_us - int(value), 0) / 1e6 if value is not None else 0.0
