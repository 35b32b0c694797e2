"""SQL for the log's searches that differs per database dialect.

On SQLite the subject "contains" filter reads the candidates of the FTS5 trigram index
``messages_subject`` of migration 0060, and counts that look messages up by id name the
narrow ``messages_log_lookup`` index, which SQLite's planner would otherwise pass over for
the primary key. On PostgreSQL a ``pg_trgm`` GIN index serves the filter's ``LIKE`` itself, so
the log takes its ordinary ways there and its planner picks the indexes. docs/log.md explains
the plans.
"""

from __future__ import annotations

from smlog.store.dialect import SQLITE

# A trigram index finds substrings of at least this many characters.
MIN_TRIGRAM_CHARS = 3


def subject_source(alias: str) -> str:
    """The FROM item of the subject index; its rowid is the message id."""
    return f"messages_subject {alias}"


def subject_match(alias: str) -> str:
    """The condition "the subject may contain the text" (see ``subject_query``)."""
    return f"{alias}.messages_subject MATCH ?"


def subject_query(folded: str) -> str | None:
    """The parameter of ``subject_match`` for a folded search text, or None when the text is
    too short for the trigram index.

    The text's trigrams that start every third character, and its last one, joined by AND:
    together they cover every character, so every subject that contains the text matches,
    and a few that hold the same trigrams elsewhere do too (the caller's ``LIKE`` on
    ``subject_folded`` removes them). Reading four doclists instead of nine position lists
    of a phrase is two to three times faster on common trigrams. Each trigram is quoted
    with quotes doubled, so nothing the user typed is read as query syntax."""
    if len(folded) < MIN_TRIGRAM_CHARS:
        return None
    last = len(folded) - MIN_TRIGRAM_CHARS
    starts = sorted({*range(0, last + 1, MIN_TRIGRAM_CHARS), last})
    grams = (folded[i : i + MIN_TRIGRAM_CHARS].replace('"', '""') for i in starts)
    return " AND ".join(f'"{g}"' for g in grams)


def subject_index_query(dialect: str, folded: str) -> str | None:
    """``subject_query`` where the store has the FTS5 subject index (SQLite), else None."""
    return subject_query(folded) if dialect == SQLITE else None


def has_lookup_index_hint(dialect: str) -> bool:
    """Whether by-id lookups should name ``messages_log_lookup`` (SQLite's ``INDEXED BY``)."""
    return dialect == SQLITE


def messages_by_id_lookup(alias: str) -> str:
    """The FROM item of messages read by id for district, sent time, type and folded subject
    only."""
    return f"messages {alias} INDEXED BY messages_log_lookup"
