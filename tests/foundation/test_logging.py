from __future__ import annotations

import json
import logging

import pytest

from smlog.runtime.logging import configure_logging, redact


@pytest.mark.parametrize(
    "text",
    [
        "calling +15555550123 now",
        "calling (555) 555-0123 now",
        "mail to jane.doe@example.org failed",
    ],
)
def test_contact_data_is_redacted(text: str) -> None:
    out = redact(text)
    assert "555" not in out
    assert "example.org" not in out


def test_ids_and_counts_survive() -> None:
    assert redact("message 123 attempt 4567 took 0.25 s") == "message 123 attempt 4567 took 0.25 s"


def test_log_lines_are_json_and_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("test", "INFO", "json")
    try:
        logging.getLogger("t").info("to %s", "+15555550123", extra={"email": "a@b.org", "n": 3})
        line = capsys.readouterr().err.strip().splitlines()[-1]
        entry = json.loads(line)
        assert entry["service"] == "test"
        assert entry["msg"] == "to [phone]"
        assert entry["email"] == "[email]"
        assert entry["n"] == 3
    finally:
        logging.getLogger().handlers.clear()
