"""A realistic store for the query benchmark, written fast: ``await seed_store(db)``.

Shape (deterministic for a given ``seed``): ``districts`` districts, the first holding
``big_share`` of the messages (the worst case for district-wide lists and counts); 40 senders
and 20 calendars per district; a year of messages, ids in time order; types mostly General;
message sizes skewed (most a few dozen devices, a few thousand-device campaigns) so the total
reaches ``attempts`` attempts; voice devices redialed now and then; mode stats and message
counters consistent with the targets. Rows go in bulk (``copy_rows``) in large transactions.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from smlog.domain.modes import mode_bits
from smlog.store import Database
from smlog.store.statistics import refresh_statistics

END_US = int(datetime(2026, 3, 9, tzinfo=UTC).timestamp()) * 1_000_000
YEAR_US = 365 * 24 * 3600 * 1_000_000
USERS_PER_DISTRICT = 40
CALENDARS_PER_DISTRICT = 20
_TYPES = (1, 1, 1, 1, 1, 1, 2, 2, 3, 4, 5)  # General, Priority, Emergency, Opt In, Opt Out
_WORDS = [
    "school",
    "closed",
    "snow",
    "day",
    "bus",
    "late",
    "early",
    "release",
    "picture",
    "day",
    "conference",
    "field",
    "trip",
    "lockdown",
    "drill",
    "lunch",
    "menu",
    "reminder",
    "attendance",
    "report",
    "card",
    "fundraiser",
    "concert",
    "game",
]
# (status, group) of a device's final status, weighted: mostly successful.
_FINAL = ((5, 1),) * 6 + ((8, 1), (7, 1), (6, 1), (4, 1), (3, 1), (15, 2), (16, 2), (19, 3))
_FLUSH_ROWS = 50_000
_MAX_DEVICES = 20_000
_ATTEMPTS_PER_DEVICE = 1.14


@dataclass(frozen=True)
class SeedSummary:
    messages: int
    recipients: int
    targets: int
    attempts: int
    big_district_id: int


class _Writer:
    """Buffers rows per table and flushes them in bulk (``copy_rows``: COPY on PostgreSQL).
    Each row holds the table's columns in ``_COLUMNS`` order; ``_FIXED`` columns have one
    value for every row and are appended at the flush."""

    _COLUMNS: dict[str, tuple[str, ...]] = {
        "messages": (
            "id", "district_id", "request_id", "created_by_user_id", "created_by_name",
            "message_type", "subject", "subject_folded", "delivery_modes", "content_json",
            "has_attachment", "attachment_name", "status", "create_time", "sent_time",
            "end_time", "total_recipients", "recipients_no_device",
        ),
        "message_calendars": ("message_id", "calendar_id"),
        "message_mode_stats": (
            "message_id", "mode", "total_devices", "total_attempts", "total_successful",
            "total_error", "total_canceled", "first_attempt_end_time",
        ),
        "recipients": ("id", "message_id", "person_id", "name", "student_name"),
        "targets": (
            "id", "message_id", "recipient_id", "mode", "address", "status", "status_group",
            "status_time", "attempt_count",
        ),
        "attempts": (
            "id", "target_id", "message_id", "mode", "number", "idempotency_key",
            "vendor_reference", "status", "status_time", "create_time",
        ),
    }  # fmt: skip
    _FIXED: dict[str, dict[str, int]] = {
        "message_mode_stats": {"first_attempt_pending": 0},
        "targets": {"is_first_device": 1, "priority": 2, "is_final": 1},
        "attempts": {"is_final": 1},
    }

    def __init__(self, db: Database) -> None:
        self.db = db
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in self._COLUMNS}

    def pending(self) -> int:
        return sum(len(r) for r in self.rows.values())

    async def flush(self) -> None:
        async with self.db.transaction() as tx:
            for table, rows in self.rows.items():
                if rows:
                    fixed = self._FIXED.get(table, {})
                    extra = tuple(fixed.values())
                    columns = [*self._COLUMNS[table], *fixed]
                    await tx.copy_rows(table, columns, (row + extra for row in rows))
                    rows.clear()


def _sizes(rng: random.Random, types: list[int], attempts: int) -> list[int]:
    """Devices per message: heavy-tailed, scaled to about ``attempts`` attempts in total
    (opt in/out entries have one device; voice devices average 1.6 attempts)."""
    raw = [rng.paretovariate(1.3) for _ in types]
    goal = attempts / _ATTEMPTS_PER_DEVICE
    scale = goal / sum(raw)
    sizes: list[int] = []
    for _ in range(3):  # the cap and the rounding need a correction or two
        sizes = [
            1 if t in (4, 5) else max(1, min(int(r * scale), _MAX_DEVICES))
            for r, t in zip(raw, types, strict=True)
        ]
        scale *= goal / sum(sizes)
    return sizes


async def seed_store(
    db: Database,
    messages: int = 50_000,
    attempts: int = 2_000_000,
    *,
    districts: int = 2,
    big_share: float = 0.9,
    seed: int = 1,
) -> SeedSummary:
    rng = random.Random(seed)
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO districts (id, name, time_zone) VALUES (?, ?, ?)",
            [(d, f"District {d}", "America/Chicago") for d in range(1, districts + 1)],
        )
        await tx.executemany(
            "INSERT INTO calendars (id, district_id, school_name, school_year) VALUES (?, ?, ?, ?)",
            [
                (d * 1000 + c, d, f"School {c}", "2025-26")
                for d in range(1, districts + 1)
                for c in range(CALENDARS_PER_DISTRICT)
            ],
        )
    types = [rng.choice(_TYPES) for _ in range(messages)]
    sizes = _sizes(rng, types, attempts)
    times = sorted(END_US - rng.randrange(YEAR_US) for _ in range(messages))
    w = _Writer(db)
    rid = tid = aid = 0
    for n in range(messages):
        mid = n + 1
        district = 1 if rng.random() < big_share or districts == 1 else rng.randint(2, districts)
        mtype = types[n]
        user = f"user{rng.randrange(USERS_PER_DISTRICT)}"
        subject = " ".join(rng.sample(_WORDS, 3)).title()
        if mtype in (4, 5):
            modes, devices = [4], 1
        else:
            modes = sorted(rng.sample((1, 2, 3, 4), rng.randint(1, 3)))
            devices = sizes[n]
        sent = times[n]
        people = max(1, devices * 2 // 3)
        for p in range(people):
            w.rows["recipients"].append((rid + p + 1, mid, f"p{p}", f"Person {p}", ""))
        stats = {m: [0, 0, 0, 0, 0] for m in modes}  # devices, attempts, ok, error, canceled
        end = sent
        for i in range(devices):
            tid += 1
            mode = modes[i % len(modes)]
            status, group = rng.choice(_FINAL)
            tries = rng.choice((1, 1, 1, 2, 3)) if mode == 3 else 1
            t = sent + rng.randrange(1, 600) * 1_000_000
            end = max(end, t)
            address = f"+1555{mid % 1000:03d}{i % 10000:04d}" if mode > 2 else f"p{i}@example.org"
            w.rows["targets"].append(
                (tid, mid, rid + 1 + i % people, mode, address, status, group, t, tries)
            )
            for k in range(1, tries + 1):
                aid += 1
                ref = f"vx-{aid}"
                w.rows["attempts"].append(
                    (
                        aid,
                        tid,
                        mid,
                        mode,
                        k,
                        f"smlog-a{aid}",
                        ref,
                        status,
                        t,
                        t,
                    )
                )
            s = stats[mode]
            s[0] += 1
            s[1] += tries
            s[1 + group] += 1
        rid += people
        bits = mode_bits(modes)
        w.rows["messages"].append(
            (
                mid,
                district,
                f"r{mid}",
                user,
                user.title(),
                mtype,
                subject,
                subject.lower(),
                bits,
                json.dumps({"emailBody": subject}),
                int(rng.random() < 0.1),
                "",
                2,
                sent - 60_000_000,
                sent,
                end,
                people,
                0,
            )
        )
        for c in rng.sample(range(CALENDARS_PER_DISTRICT), rng.randint(1, 3)):
            w.rows["message_calendars"].append((mid, district * 1000 + c))
        for mode, s in stats.items():
            w.rows["message_mode_stats"].append((mid, mode, *s, end))
        if w.pending() >= _FLUSH_ROWS:
            await w.flush()
    await w.flush()
    await refresh_statistics(db)
    return SeedSummary(messages, rid, tid, aid, 1)
