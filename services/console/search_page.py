"""Recipient search: one person's device rows across every message the signed-in person may
see, from ``SentMessageLogService.SearchDeliveries`` (docs/search.md). The URL holds the
query, so a search can be bookmarked and shared; the log service applies every right."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

import grpc
from aiohttp import web
from multidict import MultiMapping

from smlog.auth import Right
from smlog.services.console.context import backends, require_person
from smlog.services.console.errors import invalid_field
from smlog.services.console.log_filters import read_dates
from smlog.services.console.rendering import render
from smlog.services.console.report_page import MODES
from smlog.v1 import log_pb2

# What to search by: the form's value, its label, and the request's field.
KINDS = {
    "phone": ("Phone number", "phone"),
    "email": ("Email address", "email"),
    "name": ("Name", "name"),
    "person": ("Person ID", "person_id"),
}
FIELDS = ("by", "q", "start", "end", "full")
MAX_TERM_CHARS = 100
PAGE_SIZE = 50
# The log service's field names (in INVALID_ARGUMENT details) as this form's field names.
SERVICE_FIELDS = {
    **{request_field: "q" for _label, request_field in KINDS.values()},
    "start_date": "start",
    "end_date": "end",
    "delivery_modes": "mode",
}


@dataclass
class Search:
    """What the person asked for (as typed, to show back) and the problems found in it."""

    values: dict[str, str]
    modes: list[str]
    page_token: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    request: log_pb2.SearchDeliveriesRequest = field(
        default_factory=log_pb2.SearchDeliveriesRequest
    )

    @property
    def asked(self) -> bool:
        return bool(self.values["q"])

    def query(self, **changes: str) -> str:
        """The URL query of this search with some values changed (empty values left out)."""
        values = {**self.values, **changes}
        pairs = [(k, values[k]) for k in FIELDS if values.get(k)]
        pairs += [("mode", m) for m in self.modes]
        if values.get("page"):
            pairs.append(("page", values["page"]))
        return urlencode(pairs)


def read_search(query: MultiMapping[str], may_see_devices: bool) -> Search:
    """The search of a ``/search`` URL; ``errors`` maps a field to the message beside it."""
    values = {name: query.get(name, "").strip() for name in FIELDS}
    values["by"] = values["by"] or "phone"
    search = Search(values=values, modes=[m for m in query.getall("mode", []) if m])
    errors = search.errors
    request = search.request
    request.page_size = PAGE_SIZE
    request.page_token = search.page_token = query.get("page", "")
    if values["by"] not in KINDS:
        errors["by"] = "Choose phone number, email address, name or person ID"
    elif len(values["q"]) > MAX_TERM_CHARS:
        errors["q"] = f"Enter at most {MAX_TERM_CHARS} characters"
    elif values["q"]:
        setattr(request, KINDS[values["by"]][1], values["q"])
    _check_term(values, errors)
    start, end = read_dates(values, errors)
    if start is not None:
        request.start_date.CopyFrom(start)
    if end is not None:
        request.end_date.CopyFrom(end)
    for mode in search.modes:
        if mode in MODES:
            request.delivery_modes.append(MODES[mode])
        else:
            errors["mode"] = "Choose delivery modes from the list"
    request.show_full_devices = may_see_devices and values["full"] == "1"
    return search


def _check_term(values: Mapping[str, str], errors: dict[str, str]) -> None:
    """Dates or modes without a term: say what is missing rather than show nothing."""
    if values["q"] or "q" in errors:
        return
    if values["start"] or values["end"]:
        label = KINDS.get(values["by"], ("what to search for", ""))[0].lower()
        errors["q"] = f"Enter the {label} to search for"


def _service_error(search: Search, exc: grpc.aio.AioRpcError) -> None:
    """An INVALID_ARGUMENT from the log service beside its form field."""
    name, reason = invalid_field(exc)
    form_field = SERVICE_FIELDS.get(name, "page")
    if form_field == "page":
        search.errors["page"] = "This page link has expired. Start again from the first page."
    else:
        search.errors[form_field] = reason.capitalize() if reason else "Check this value"


async def search_page(request: web.Request) -> web.StreamResponse:
    person = require_person(request)
    may_see_devices = person.caller.has(Right.VIEW_DEVICE_DETAILS)
    search = read_search(request.query, may_see_devices)
    reply: log_pb2.SearchDeliveriesResponse | None = None
    if search.asked and not search.errors:
        try:
            reply = await backends(request).log.SearchDeliveries(
                search.request, metadata=person.metadata()
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.INVALID_ARGUMENT:
                raise
            _service_error(search, exc)
    return render(
        request,
        "search.html",
        status=400 if search.errors else 200,
        person=person,
        search=search,
        reply=reply,
        kinds=KINDS,
        modes=MODES,
        may_see_devices=may_see_devices,
    )
