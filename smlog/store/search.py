"""SQL for the log's searches that differs per database dialect (SQLite today).

The subject "contains" filter uses the FTS5 trigram index ``messages_subject`` of migration
0060 (``pg_trgm`` would play that part on PostgreSQL); counts that look messages up by id
name the narrow ``messages_log_lookup`` index, which SQLite's planner would otherwise pass
over for the primary key. docs/log.md explains the plans.
"""

from __future__ import annotations

# A trigram index finds substrings of at least this many characters.
MIN_TRIGRAM_CHARS = 3


def subject_source(alias: str) -> str:
    """The FROM item of the subject index; its rowid is the message id."""
    return f"messages_subject {alias}"


def subject_match(alias: str) -> str:
    """The condition "the subject contains the parameter" (see ``subject_query``)."""
    return f"{alias}.messages_subject MATCH ?"


def subject_query(folded: str) -> str | None:
    """The parameter of ``subject_match`` for a folded search text, or None when the text is
    too short for the trigram index: one FTS5 phrase, quotes doubled, so nothing the user
    typed is read as query syntax."""
    if len(folded) < MIN_TRIGRAM_CHARS:
        return None
    return '"' + folded.replace('"', '""') + '"'


def messages_by_id_lookup(alias: str) -> str:
    """The FROM item of messages read by id for district, sent time and type only."""
    return f"messages {alias} INDEXED BY messages_log_lookup"
