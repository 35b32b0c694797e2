"""The log screen's filters: read from the URL's query (so a view can be bookmarked and
shared), checked for what a person can get wrong (a letter in Message ID, an end date before
the start date, an unknown calendar), and turned into one ``ListMessagesRequest``.

Pure: no I/O. Rights are not checked here; the log service applies them to the request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from smlog.v1 import common_pb2, log_pb2

MAX_SUBJECT_CHARS = 200
CALENDAR_ERROR = "Choose one of your district's calendars"
FIELDS = ("scope", "message_id", "start", "end", "calendar", "subject", "type")
SCOPES = {"my": log_pb2.MESSAGE_SCOPE_MY, "all": log_pb2.MESSAGE_SCOPE_ALL}
SCOPE_NAMES = {value: name for name, value in SCOPES.items()}
T = common_pb2.MessageType
TYPES = {
    "general": T.MESSAGE_TYPE_GENERAL,
    "priority": T.MESSAGE_TYPE_PRIORITY,
    "emergency": T.MESSAGE_TYPE_EMERGENCY,
    "text_opt_in": T.MESSAGE_TYPE_TEXT_OPT_IN,
    "text_opt_out": T.MESSAGE_TYPE_TEXT_OPT_OUT,
}
TYPE_NAMES = {value: name for name, value in TYPES.items()}
# The log service's field names (in INVALID_ARGUMENT details) as this form's field names.
SERVICE_FIELDS = {
    "message_id": "message_id",
    "start_date": "start",
    "end_date": "end",
    "calendar_id": "calendar",
    "subject": "subject",
    "message_types": "type",
    "scope": "scope",
}


@dataclass
class LogFilters:
    """What the person asked for (as typed, to show back) and the problems found in it."""

    values: dict[str, str]
    page_token: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    request: log_pb2.ListMessagesRequest = field(default_factory=log_pb2.ListMessagesRequest)

    def query(self, **changes: str) -> str:
        """The URL query of this view with some values changed (empty values left out)."""
        values = {**self.values, **changes}
        return urlencode([(k, values[k]) for k in (*FIELDS, "page") if values.get(k)])


def _day(text: str, name: str, errors: dict[str, str]) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = f"Enter a real date for the {name} date, for example 2026-03-02"
        return None


def _date(day: dt.date) -> common_pb2.Date:
    return common_pb2.Date(year=day.year, month=day.month, day=day.day)


def read_dates(
    values: Mapping[str, str], errors: dict[str, str]
) -> tuple[common_pb2.Date | None, common_pb2.Date | None]:
    """The ``start`` and ``end`` days of a form (either may be empty), checked in order."""
    start = _day(values["start"], "start", errors)
    end = _day(values["end"], "end", errors)
    if start is not None and end is not None and end < start:
        errors["end"] = "End date must be the same as or after the start date"
    return (
        None if start is None else _date(start),
        None if end is None else _date(end),
    )


def read_filters(query: Mapping[str, str], page_size: int = 50) -> LogFilters:
    """The filters of a log URL; ``errors`` maps a field to the message shown beside it."""
    values = {name: query.get(name, "").strip() for name in FIELDS}
    filters = LogFilters(values=values, page_token=query.get("page", ""))
    errors = filters.errors
    request = filters.request
    request.page_size = page_size
    request.page_token = filters.page_token
    if values["scope"]:
        if values["scope"] in SCOPES:
            request.scope = SCOPES[values["scope"]]
        else:
            errors["scope"] = "Choose My Messages or All Messages"
    if values["message_id"]:
        text = values["message_id"]
        if text.isascii() and text.isdigit() and 0 < int(text) < 2**63:
            request.message_id = int(text)
        else:
            errors["message_id"] = "Message ID must be a number, like 1042"
    start, end = read_dates(values, errors)
    if start is not None:
        request.start_date.CopyFrom(start)
    if end is not None:
        request.end_date.CopyFrom(end)
    if values["calendar"]:
        text = values["calendar"]
        if text.isascii() and text.isdigit() and 0 < int(text) < 2**63:
            request.calendar_id = int(text)
        else:
            errors["calendar"] = CALENDAR_ERROR
    if len(values["subject"]) > MAX_SUBJECT_CHARS:
        errors["subject"] = f"Subject must be {MAX_SUBJECT_CHARS} characters or fewer"
    else:
        request.subject = values["subject"]
    if values["type"]:
        if values["type"] in TYPES:
            request.message_types.append(TYPES[values["type"]])
        else:
            errors["type"] = "Choose a message type from the list"
    return filters


def check_calendar(filters: LogFilters, calendar_ids: Sequence[int]) -> None:
    """A calendar that is not one of the district's is a mistake beside the Calendar field
    (checked once the district's calendars are known, so both can be fetched at once)."""
    if filters.request.calendar_id and filters.request.calendar_id not in calendar_ids:
        filters.errors["calendar"] = CALENDAR_ERROR
