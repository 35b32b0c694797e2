"""SQL for the log's searches that differs per database dialect.

The subject "contains" filter reaches a rare text through a trigram index: on SQLite the FTS5
table ``messages_subject`` of migration 0060 (its candidates joined to messages by rowid), on
PostgreSQL the ``pg_trgm`` GIN index ``message_subjects_trgm`` of migration 0130 (a bitmap
scan of ``message_subjects``, a narrow copy of each message's district, sent time, type and
folded subject, so that a candidate is tested without reading its wide message row). Counts
that look messages up by id on SQLite name the narrow ``messages_log_lookup`` index, which
SQLite's planner would otherwise pass over for the primary key; PostgreSQL's planner picks its
indexes itself. docs/log.md explains the plans.
"""

from __future__ import annotations

import re
from typing import Any

from smlog.store.dialect import SQLITE

# A trigram index finds substrings of at least this many characters.
MIN_TRIGRAM_CHARS = 3


def subject_query(folded: str) -> str | None:
    """The FTS5 query of a folded search text, or None when the text is too short for the
    trigram index.

    The text's trigrams that start every third character, and its last one, joined by AND:
    together they cover every character, so every subject that contains the text matches,
    and a few that hold the same trigrams elsewhere do too (the caller's exact test,
    ``subject_contains``, removes them). Reading four doclists instead of nine position lists
    of a phrase is two to three times faster on common trigrams. Each trigram is quoted
    with quotes doubled, so nothing the user typed is read as query syntax."""
    if len(folded) < MIN_TRIGRAM_CHARS:
        return None
    last = len(folded) - MIN_TRIGRAM_CHARS
    starts = sorted({*range(0, last + 1, MIN_TRIGRAM_CHARS), last})
    grams = (folded[i : i + MIN_TRIGRAM_CHARS].replace('"', '""') for i in starts)
    return " AND ".join(f'"{g}"' for g in grams)


# A word as pg_trgm reads text: a run of letters and digits; anything else separates words.
_WORD = re.compile(r"[^\W_]+")


def word_trigrams(folded: str) -> list[str]:
    """For PostgreSQL: 3-character pieces of the text's words (pg_trgm indexes the trigrams of
    each word, never across a space or a sign), those that start every third character of a
    word and each word's last one. Every subject that contains the text contains each piece,
    so ``LIKE '%piece%'`` on all of them narrows the candidates as the whole text's ``LIKE``
    does, reading a third of its trigrams' posting lists (and none of the common ones a
    word's padding adds, such as " da"). Words of 1-2 characters add none."""
    grams: list[str] = []
    for word in _WORD.findall(folded):
        last = len(word) - MIN_TRIGRAM_CHARS
        grams += [word[i : i + MIN_TRIGRAM_CHARS] for i in (*range(0, last, 3), last) if last >= 0]
    return list(dict.fromkeys(grams))


def has_subject_index(dialect: str, folded: str) -> bool:
    """Whether the trigram index can find a folded search text: 3 characters or more on
    SQLite, a word of 3 letters or digits or more on PostgreSQL (there a pattern without a
    trigram would read the whole index)."""
    if dialect == SQLITE:
        return len(folded) >= MIN_TRIGRAM_CHARS
    return bool(word_trigrams(folded))


def subject_candidates(
    dialect: str, folded: str, messages: str, *, covered: bool
) -> tuple[str, list[str], list[Any]]:
    """The FROM item, conditions and parameters of the messages (alias ``m``) whose subject
    may contain ``folded``, found by the trigram index; ``messages`` is the FROM item of
    messages read by id (SQLite only); ``covered``: the query reads only ``id``,
    ``district_id``, ``sent_time``, ``message_type`` and ``subject_folded`` of ``m``. The
    caller still tests ``subject_contains`` on every candidate.

    On PostgreSQL the candidates are a subquery of their own on ``message_subjects``
    (``OFFSET 0`` keeps it apart), planned for its ``LIKE`` tests of ``word_trigrams`` alone:
    one bitmap scan of the GIN index, whatever order the outer query asks for. Merged into the
    outer query, the planner may walk the log in order and test every row instead, which is
    the walk this way exists to avoid. A covered query reads the copy alone; any other joins
    each candidate's message."""
    if not has_subject_index(dialect, folded):
        raise ValueError("subject_candidates needs a text the trigram index can find")
    if dialect == SQLITE:
        return (
            f"messages_subject s CROSS JOIN {messages}",
            ["s.messages_subject MATCH ?", "m.id = s.rowid"],
            [subject_query(folded)],
        )
    grams = word_trigrams(folded)  # letters and digits only: nothing LIKE reads as a wildcard
    tests = " AND ".join(["subject_folded LIKE ?"] * len(grams))
    copies = (
        "(SELECT id, district_id, sent_time, message_type, subject_folded FROM message_subjects"  # noqa: S608 - placeholders only
        f" WHERE {tests} OFFSET 0)"
    )
    params: list[Any] = [f"%{g}%" for g in grams]
    if covered:
        return f"{copies} m", [], params
    return f"{copies} s CROSS JOIN messages m", ["m.id = s.id"], params


def subject_contains(dialect: str, column: str) -> str:
    """The exact test "``column`` contains the parameter" (both already folded): SQLite's
    ``instr``, PostgreSQL's ``strpos``. No wildcard in the text means anything, and unlike
    ``LIKE`` no index can serve it, so a query that tests it on an ordered walk keeps that
    walk even under a generic plan that cannot see how common the text is."""
    function = "instr" if dialect == SQLITE else "strpos"
    return f"{function}({column}, ?) > 0"


def messages_by_id_lookup(dialect: str, alias: str) -> str:
    """The FROM item of messages read by id for district, sent time, type and folded subject
    only."""
    if dialect == SQLITE:
        return f"messages {alias} INDEXED BY messages_log_lookup"
    return f"messages {alias}"


def not_driving(dialect: str, column: str) -> str:
    """``column`` in a condition that must not choose the index a query starts from. SQLite:
    the unary ``+``, without which its planner starts a recipient search from the district's
    messages (their indexes lead with district_id). PostgreSQL: the column itself; its
    planner weighs the condition by the column's statistics, while ``+column`` is an
    expression it cannot estimate: it took the district's 225,000 messages for 13 and started
    the search from them (14 s for an address on 160,000 targets, at 250,000 messages)."""
    return f"+{column}" if dialect == SQLITE else column
