"""Structured logs on stderr that never carry phone numbers, email addresses or bodies.

Code logs ids and counts, never contact data; as a second line of defence every record's
message and extra fields pass through ``redact`` before they are written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Any

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d\s().-]{8,}\d(?![\w.])")
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}


def redact(text: str) -> str:
    """Replace anything shaped like an email address or a phone number."""
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", text))


class _Formatter(logging.Formatter):
    def __init__(self, service: str, fmt: str) -> None:
        super().__init__()
        self.service = service
        self.json = fmt == "json"

    def format(self, record: logging.LogRecord) -> str:
        extra = {
            k: v if isinstance(v, int | float | bool) or v is None else redact(str(v))
            for k, v in record.__dict__.items()
            if k not in _STANDARD and not k.startswith("_")
        }
        message = redact(record.getMessage())
        if record.exc_info:
            message += " | " + redact(self.formatException(record.exc_info)).replace("\n", " | ")
        if self.json:
            entry: dict[str, Any] = {
                "ts": round(time.time(), 3),
                "level": record.levelname,
                "service": self.service,
                "logger": record.name,
                "msg": message,
            }
            entry.update(extra)
            return json.dumps(entry, default=str)
        fields = " ".join(f"{k}={v}" for k, v in extra.items())
        return f"{record.levelname:<7} {record.name}: {message}" + (f" {fields}" if fields else "")


def configure_logging(service: str, level: str = "INFO", fmt: str = "json") -> None:
    """Send every log record to stderr, formatted and redacted."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(service, fmt))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiohttp.access", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
