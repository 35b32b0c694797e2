"""Unit checks of the read side's pure parts: masking, page tokens, page sizes, dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from smlog.domain.modes import modes_of
from smlog.errors import InvalidArgumentError
from smlog.readmodel import PageTokens, page_size, show_device
from smlog.readmodel.filters import _local_midnight_us
from smlog.store.dialect import POSTGRES, SQLITE
from smlog.store.search import has_subject_index, not_driving, word_trigrams
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


def test_mode_bits() -> None:
    assert modes_of((1 << 4) | (1 << 1)) == [INBOX, TEXT]


@pytest.mark.parametrize(
    ("text", "grams"),
    [
        ("snow", ["sno", "now"]),
        ("day", ["day"]),
        ("picture day", ["pic", "tur", "ure", "day"]),
        ("report card", ["rep", "ort", "car", "ard"]),
        ("100%_off", ["100", "off"]),  # signs separate words: never a LIKE wildcard
        ("élève", ["élè", "ève"]),  # letters with accents are letters
        ("a b-c", []),
        ("abab ab abab", ["aba", "bab"]),  # each piece once
    ],
)
def test_word_trigrams_cover_each_word(text: str, grams: list[str]) -> None:
    assert word_trigrams(text) == grams
    for gram in grams:
        assert gram in text


def test_which_texts_the_trigram_index_can_find() -> None:
    # SQLite's FTS5 trigrams cross spaces and signs; pg_trgm's stay within a word.
    assert has_subject_index(SQLITE, "a b")
    assert not has_subject_index(POSTGRES, "a b")
    assert has_subject_index(POSTGRES, "a bus")
    assert not has_subject_index(SQLITE, "ab")


def test_only_sqlite_hides_a_condition_from_the_planner() -> None:
    # PostgreSQL estimates "m.district_id = ?" from statistics; "+m.district_id" it cannot.
    assert not_driving(SQLITE, "m.district_id") == "+m.district_id"
    assert not_driving(POSTGRES, "m.district_id") == "m.district_id"
