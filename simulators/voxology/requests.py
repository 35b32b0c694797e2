"""Validation of call and text requests, answering Voxology's 400 codes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from yarl import URL

from smlog.simulators.voxology.plans import CALL_EVENTS

__all__ = ["CallRequest", "InvalidRequest", "SmsRequest", "parse_call", "parse_sms"]

_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
_SHORT_CODE = re.compile(r"[0-9]{3,8}")
_EXTENSION = re.compile(r"[0-9*#]{1,10}")
_MAX_SAY = 4096
_MAX_BODY = 1600
_MAX_URL = 2048


class InvalidRequest(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class CallRequest:
    to: str
    from_: str
    say: str
    extension: str | None
    status_callback: str | None
    events: frozenset[str]


@dataclass(frozen=True, slots=True)
class SmsRequest:
    to: str
    from_: str
    body: str
    status_callback: str | None


def _text(body: dict[str, Any], name: str, *, limit: int, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise InvalidRequest("missing_field", f"'{name}' is required")
        return None
    if not isinstance(value, str):
        raise InvalidRequest("invalid_field", f"'{name}' must be a string")
    if required and not value.strip():
        raise InvalidRequest("invalid_field", f"'{name}' must not be empty")
    if len(value) > limit:
        raise InvalidRequest("invalid_field", f"'{name}' is longer than {limit} characters")
    return value


def _numbers(body: dict[str, Any]) -> tuple[str, str]:
    to = _text(body, "to", limit=32) or ""
    sender = _text(body, "from", limit=32) or ""
    if not _E164.fullmatch(to):
        raise InvalidRequest("invalid_number", "'to' is not an E.164 phone number")
    if not (_E164.fullmatch(sender) or _SHORT_CODE.fullmatch(sender)):
        raise InvalidRequest("invalid_number", "'from' is not an E.164 number or a short code")
    return to, sender


def _callback(body: dict[str, Any]) -> str | None:
    raw = _text(body, "status_callback", limit=_MAX_URL, required=False)
    if raw is None:
        return None
    try:
        url = URL(raw)
    except ValueError:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise InvalidRequest("invalid_field", "'status_callback' must be an http(s) URL")
    return raw


def parse_call(body: dict[str, Any]) -> CallRequest:
    to, sender = _numbers(body)
    say = _text(body, "say", limit=_MAX_SAY) or ""
    extension = _text(body, "extension", limit=10, required=False)
    if extension is not None and not _EXTENSION.fullmatch(extension):
        raise InvalidRequest("invalid_field", "'extension' must be 1-10 digits, * or #")
    events_raw = body.get("status_callback_events", [])
    if not isinstance(events_raw, list) or not all(isinstance(e, str) for e in events_raw):
        raise InvalidRequest("invalid_field", "'status_callback_events' must be a list of names")
    unknown = set(events_raw) - CALL_EVENTS
    if unknown:
        allowed = ", ".join(sorted(CALL_EVENTS))
        raise InvalidRequest("invalid_field", f"'status_callback_events' allows {allowed}")
    return CallRequest(to, sender, say, extension, _callback(body), frozenset(events_raw))


def parse_sms(body: dict[str, Any]) -> SmsRequest:
    to, sender = _numbers(body)
    text = _text(body, "body", limit=_MAX_BODY) or ""
    if body.get("extension"):
        raise InvalidRequest("invalid_number", "a text cannot be sent to an extension")
    return SmsRequest(to, sender, text, _callback(body))
