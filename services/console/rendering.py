"""HTML from Jinja2 templates (autoescaped: nothing a person types reaches the page as
markup), with the names people read for the API's values and times in district time."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from aiohttp import web
from google.protobuf.timestamp_pb2 import Timestamp

from smlog.domain import status_label
from smlog.domain.labels import format_duration, message_status_label, mode_label, type_label
from smlog.services.console.identity import SignedIn


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(ts: Timestamp, zone: str = "UTC") -> str:
    """A timestamp in the district's zone, for example "2026-03-02 10:00 CST" ("" if unset)."""
    if not ts.seconds and not ts.nanos:
        return ""
    return datetime.fromtimestamp(ts.seconds, zone_of(zone)).strftime("%Y-%m-%d %H:%M %Z")


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("smlog.services.console", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        when=local_time,
        duration=format_duration,
        mode=mode_label,
        modes=lambda values: ", ".join(mode_label(v) for v in values),
        message_type=type_label,
        message_status=message_status_label,
        device_status=status_label,
    )
    return env


TEMPLATES_KEY = web.AppKey("templates", jinja2.Environment)


def render(request: web.Request, template: str, *, status: int = 200,
           person: SignedIn | None = None, **context: Any) -> web.Response:  # fmt: skip
    """A page; ``person`` (when signed in) gives the header its name and the forms their CSRF."""
    env = request.app[TEMPLATES_KEY]
    html = env.get_template(template).render(person=person, request_path=request.path, **context)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
