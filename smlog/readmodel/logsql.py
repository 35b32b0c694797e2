"""SQL of the log table: where a query's rows come from and the conditions of a filter.

A query reaches messages one of three ways (``Via``):
- ``LOG``: an ordered walk of the district's log through the index that matches the filter
  (``messages_log``, ``_creator``, ``_type``, ``_subject``), already newest first;
- ``CALENDAR``: an ordered walk of the calendar's rows (``message_calendars_log``, which
  carries each message's district, sent time and type), then each listed message by id;
- ``SUBJECT``: from the trigram index's candidates (``smlog.store.search``), each tested.
The filter's other conditions are the same whichever way is taken. docs/log.md has the plans.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from smlog.readmodel.access import ALL_TYPES
from smlog.readmodel.filters import MessageFilter
from smlog.store import in_marks
from smlog.store.search import messages_by_id_lookup, subject_candidates, subject_contains

ORDER = "m.sent_time DESC, m.id DESC"


class Via(enum.Enum):
    LOG = "log"
    CALENDAR = "calendar"
    SUBJECT = "subject"

    @property
    def keys(self) -> str:
        """The alias whose district_id, sent_time and message_type the query tests."""
        return "mc" if self is Via.CALENDAR else "m"

    @property
    def id(self) -> str:
        return "mc.message_id" if self is Via.CALENDAR else "m.id"

    @property
    def order(self) -> str:
        return f"{self.keys}.sent_time DESC, {self.id} DESC"


def lookup_covers(f: MessageFilter, via: Via) -> bool:
    """Whether a filter reached ``via`` tests only the columns that way carries: those of
    ``messages_log_lookup`` (SQLite) or ``message_subjects`` (PostgreSQL) for subject matches,
    of ``message_calendars_log`` for a calendar."""
    if via is Via.LOG or f.creator is not None:
        return False
    return not (via is Via.CALENDAR and f.subject_folded)


def conditions(
    f: MessageFilter, types: Sequence[int], via: Via, dialect: str, *, narrow: bool = False
) -> tuple[str, list[str], list[Any]]:
    """The FROM clause, conditions and parameters of a filter reached ``via`` on a store of
    ``dialect``; ``narrow``: the query selects only ``m.id``, ``m.sent_time``,
    ``m.message_type`` and ``m.subject_folded`` (a count), so a calendar's rows need no
    messages, and subject matches are read on SQLite through ``messages_log_lookup``, on
    PostgreSQL from ``message_subjects`` alone."""
    covered = narrow and lookup_covers(f, via)
    messages = messages_by_id_lookup(dialect, "m") if covered else "messages m"
    source = messages
    where: list[str] = []
    params: list[Any] = []
    k = via.keys
    if via is Via.CALENDAR:
        # CROSS JOIN keeps SQLite from reordering the join; a covered count needs no messages.
        source = "message_calendars mc"
        where.append("mc.calendar_id = ?")
        params.append(f.calendar_id)
        if not covered:
            source += " CROSS JOIN messages m"
            where.append("m.id = mc.message_id")
    elif via is Via.SUBJECT:
        source, where, params = subject_candidates(
            dialect, f.subject_folded, messages, covered=covered
        )
    # Drafts have no sent_time; testing it (not status) keeps counts index-only.
    where += [f"{k}.district_id = ?", f"{k}.sent_time IS NOT NULL"]
    params.append(f.district_id)
    if f.creator is not None:
        where.append("m.created_by_user_id = ?")
        params.append(f.creator)
    if f.message_id:
        where.append(f"{via.id} = ?")
        params.append(f.message_id)
    if f.sent_from_us is not None:
        where.append(f"{k}.sent_time >= ?")
        params.append(f.sent_from_us)
    if f.sent_before_us is not None:
        where.append(f"{k}.sent_time < ?")
        params.append(f.sent_before_us)
    if f.calendar_id and via is not Via.CALENDAR:
        # One primary-key probe per walked message (an IN list would read the whole calendar).
        where.append(
            "EXISTS (SELECT 1 FROM message_calendars mc"
            " WHERE mc.message_id = m.id AND mc.calendar_id = ?)"
        )
        params.append(f.calendar_id)
    if f.subject_folded:  # the exact test; the trigram index only narrows the candidates
        where.append(subject_contains(dialect, "m.subject_folded"))
        params.append(f.subject_folded)
    if len(types) == 1:
        where.append(f"{k}.message_type = ?")
        params.append(types[0])
    elif set(types) != set(ALL_TYPES):
        where.append(f"{k}.message_type IN ({in_marks(len(types))})")
        params.extend(types)
    return source, where, params


def after_position(position: tuple[int, int], via: Via) -> tuple[str, list[Any]]:
    """Rows after a keyset position in log order."""
    sent, last_id = position
    t, i = f"{via.keys}.sent_time", via.id
    return f"{t} <= ? AND ({t} < ? OR {i} < ?)", [sent, sent, last_id]


def from_position(position: tuple[int, int]) -> tuple[str, list[Any]]:
    """Rows up to and including a keyset position in log order."""
    sent, last_id = position
    return "m.sent_time >= ? AND (m.sent_time > ? OR m.id >= ?)", [sent, sent, last_id]
