"""SQL for the log's searches that differs per database dialect.

The subject "contains" filter reaches a rare text through a trigram index: on SQLite the FTS5
table ``messages_subject`` of migration 0060 (its candidates joined to messages by rowid), on
PostgreSQL the ``pg_trgm`` GIN index ``messages_subject_trgm`` (a bitmap scan of the
messages whose subject may contain the text). Counts that look messages up by id on SQLite
name the narrow ``messages_log_lookup`` index, which SQLite's planner would otherwise pass
over for the primary key; PostgreSQL's planner picks its indexes itself. docs/log.md explains
the plans.
"""

from __future__ import annotations

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


def has_subject_index(folded: str) -> bool:
    """Whether the trigram index can find a folded search text (3 characters or more)."""
    return len(folded) >= MIN_TRIGRAM_CHARS


def subject_candidates(
    dialect: str, folded: str, like: str, messages: str
) -> tuple[str, list[str], list[Any]]:
    """The FROM item, conditions and parameters of the messages (alias ``m``) whose subject
    may contain ``folded``, found by the trigram index; ``like`` is the caller's
    ``LIKE ... ESCAPE '\\'`` pattern, ``messages`` the FROM item of messages read by id
    (SQLite only). The caller still tests ``subject_contains`` on every candidate.

    On PostgreSQL the candidates are a subquery of their own (``OFFSET 0`` keeps it apart),
    planned for its ``LIKE`` alone: a bitmap scan of the GIN index, whatever order the outer
    query asks for. Merged into the outer query, the planner may walk the log in order and
    test every row instead, which is the walk this way exists to avoid."""
    query = subject_query(folded)
    if query is None:
        raise ValueError("subject_candidates needs a text of 3 characters or more")
    if dialect == SQLITE:
        return (
            f"messages_subject s CROSS JOIN {messages}",
            ["s.messages_subject MATCH ?", "m.id = s.rowid"],
            [query],
        )
    source = "(SELECT * FROM messages WHERE subject_folded LIKE ? ESCAPE '\\' OFFSET 0) m"
    return source, [], [like]


def subject_contains(dialect: str, column: str) -> str:
    """The exact test "``column`` contains the parameter" (both already folded): SQLite's
    ``instr``, PostgreSQL's ``strpos``. No wildcard in the text means anything, and unlike
    ``LIKE`` no index can serve it, so a query that tests it on an ordered walk keeps that
    walk even under a generic plan that cannot see how common the text is."""
    function = "instr" if dialect == SQLITE else "strpos"
    return f"{function}({column}, ?) > 0"


def has_lookup_index_hint(dialect: str) -> bool:
    """Whether by-id lookups should name ``messages_log_lookup`` (SQLite's ``INDEXED BY``)."""
    return dialect == SQLITE


def messages_by_id_lookup(dialect: str, alias: str) -> str:
    """The FROM item of messages read by id for district, sent time, type and folded subject
    only."""
    if dialect == SQLITE:
        return f"messages {alias} INDEXED BY messages_log_lookup"
    return f"messages {alias}"
