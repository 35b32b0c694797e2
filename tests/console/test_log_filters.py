"""The log screen's filters from a URL: what a person can get wrong, beside the right field."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smlog.services.console.log_filters import LogFilters, check_calendar, read_filters
from smlog.v1 import common_pb2, log_pb2

CALENDARS = [10, 11]


def read(query: dict[str, str]) -> LogFilters:
    filters = read_filters(query)
    check_calendar(filters, CALENDARS)
    return filters


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"message_id": "12a"}, "message_id", "Message ID must be a number"),
        ({"message_id": "-3"}, "message_id", "Message ID must be a number"),
        ({"message_id": "٣"}, "message_id", "Message ID must be a number"),
        ({"start": "2026-02-30"}, "start", "Enter a real date for the start date"),
        ({"end": "yesterday"}, "end", "Enter a real date for the end date"),
        ({"start": "2026-03-05", "end": "2026-03-04"}, "end", "same as or after the start"),
        ({"calendar": "99"}, "calendar", "Choose one of your district's calendars"),
        ({"calendar": "ten"}, "calendar", "Choose one of your district's calendars"),
        ({"subject": "x" * 201}, "subject", "200 characters or fewer"),
        ({"type": "behavior"}, "type", "Choose a message type"),
        ({"scope": "everyone"}, "scope", "Choose My Messages or All Messages"),
    ],
)
def test_bad_input_is_named_beside_its_field(query: dict[str, str], field: str, message: str):
    filters = read(query)
    assert list(filters.errors) == [field]
    assert message in filters.errors[field]


def test_good_input_becomes_one_request():
    filters = read(
        {"scope": "all", "message_id": "42", "start": "2026-03-02", "end": "2026-03-02",
         "calendar": "11", "subject": " Snow ", "type": "emergency", "page": "tok"},
    )  # fmt: skip
    assert filters.errors == {}
    r = filters.request
    assert r.scope == log_pb2.MESSAGE_SCOPE_ALL
    assert (r.message_id, r.calendar_id, r.subject, r.page_token) == (42, 11, "Snow", "tok")
    assert (r.start_date.year, r.start_date.month, r.start_date.day) == (2026, 3, 2)
    assert r.end_date == r.start_date
    assert list(r.message_types) == [common_pb2.MESSAGE_TYPE_EMERGENCY]


def test_no_filters_is_the_default_view():
    filters = read({})
    assert filters.errors == {}
    assert filters.request == log_pb2.ListMessagesRequest(page_size=50)
    assert filters.query() == ""


@given(st.dictionaries(st.sampled_from(["message_id", "subject", "start", "type", "page"]),
                       st.text(max_size=30)))  # fmt: skip
def test_the_url_of_a_view_gives_the_same_view_back(query: dict[str, str]):
    first = read(query)
    again = read({k: v[0] for k, v in parse_qs(first.query()).items()})
    assert again.values == first.values
    assert again.errors == first.errors
