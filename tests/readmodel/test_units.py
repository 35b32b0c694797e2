"""Unit checks of the read side's pure parts: masking, page tokens, page sizes, dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from smlog.domain.modes import modes_of
from smlog.errors import InvalidArgumentError
from smlog.readmodel import PageTokens, page_size, show_device
from smlog.readmodel.filters import _local_midnight_us
from smlog.readmodel.logsql import escape_like
from tests.support.builders import EMAIL, INBOX, TEXT, VOICE


@pytest.mark.parametrize(
    ("mode", "address", "ext", "masked", "full"),
    [
        (VOICE, "+15555550123", "", "(***) ***-0123", "(555) 555-0123"),
        (TEXT, "+15555550123", "123", "(***) ***-0123 x123", "(555) 555-0123 x123"),
        (VOICE, "+442079460123", "", "***-0123", "+442079460123"),
        (EMAIL, "jane.doe@example.org", "", "j***@example.org", "jane.doe@example.org"),
        (EMAIL, "not-an-email", "", "***", "not-an-email"),
        (INBOX, "portal:48213", "", "portal:48213", "portal:48213"),
        (VOICE, "", "", "", ""),
    ],
)
def test_devices(mode: int, address: str, ext: str, masked: str, full: str) -> None:
    assert show_device(mode, address, ext, full=False) == masked
    assert show_device(mode, address, ext, full=True) == full


def test_page_tokens_round_trip_and_refuse_other_contexts() -> None:
    tokens = PageTokens("secret")
    token = tokens.encode(["messages", "alice", 1, "f"], [1_700_000_000_000_000, 42])
    assert tokens.decode(token, ["messages", "alice", 1, "f"], 2) == [1_700_000_000_000_000, 42]
    for context in (["messages", "bob", 1, "f"], ["messages", "alice", 2, "f"], ["x"]):
        with pytest.raises(InvalidArgumentError) as info:
            tokens.decode(token, context, 2)
        assert info.value.field == "page_token"
    with pytest.raises(InvalidArgumentError):
        PageTokens("other secret").decode(token, ["messages", "alice", 1, "f"], 2)
    with pytest.raises(InvalidArgumentError):
        tokens.decode(token, ["messages", "alice", 1, "f"], 1)


def test_page_size() -> None:
    assert page_size(0, default=50, maximum=500) == 50
    assert page_size(7, default=50, maximum=500) == 7
    assert page_size(501, default=50, maximum=500) == 500
    with pytest.raises(InvalidArgumentError):
        page_size(-1, default=50, maximum=500)


def test_local_midnight_follows_daylight_saving() -> None:
    chicago = ZoneInfo("America/Chicago")
    before = _local_midnight_us(dt.date(2026, 3, 8), chicago)  # CST, UTC-6
    after = _local_midnight_us(dt.date(2026, 3, 9), chicago)  # CDT, UTC-5
    assert after - before == 23 * 3600 * 1_000_000
    assert before == int(dt.datetime(2026, 3, 8, 6, tzinfo=dt.UTC).timestamp()) * 1_000_000


def test_like_escaping_and_mode_bits() -> None:
    assert escape_like("100%_a\\b") == "100\\%\\_a\\\\b"
    assert modes_of((1 << 4) | (1 << 1)) == [INBOX, TEXT]
