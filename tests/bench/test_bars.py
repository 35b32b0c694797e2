"""The query bench checks its bar on every ListMessages filter, not only the overall figure."""

from __future__ import annotations

from smlog.bench.command import _check


def test_every_filter_and_call_has_the_25_ms_bar() -> None:
    figures = {
        "list_messages_p99_ms": 12.0,
        "list_messages_none_p99_ms": 5.0,
        "list_messages_subject_p99_ms": 30.0,
        "list_messages_subject_p50_ms": 40.0,  # p50 has no bar
        "get_message_p99_ms": 2.0,
        "list_deliveries_p99_ms": 26.0,
    }
    assert _check("query", figures) == [
        "list_messages_subject_p99_ms = 30.0 (bar: < 25)",
        "list_deliveries_p99_ms = 26.0 (bar: < 25)",
    ]
