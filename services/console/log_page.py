"""Screen 1, Sent Message Log 2.0: My/All Messages, the seed's filters, the table, paging."""

from __future__ import annotations

import asyncio

import grpc
from aiohttp import web

from smlog.auth import Right
from smlog.services.console.context import backends, require_person
from smlog.services.console.errors import invalid_field
from smlog.services.console.identity import SignedIn
from smlog.services.console.log_filters import (
    SCOPE_NAMES,
    SERVICE_FIELDS,
    TYPE_NAMES,
    LogFilters,
    check_calendar,
    read_filters,
)
from smlog.services.console.rendering import render
from smlog.services.console.search_page import KINDS
from smlog.v1 import common_pb2, log_pb2


async def district_and_calendars(
    request: web.Request, person: SignedIn
) -> tuple[common_pb2.District, list[common_pb2.Calendar]]:
    """The person's district and its calendars by school name (none yet: an empty district
    in UTC), from the log service: the log's screens never depend on dispatch."""
    try:
        reply = await backends(request).log.GetDistrict(
            common_pb2.GetDistrictRequest(), metadata=person.metadata()
        )
    except grpc.aio.AioRpcError as exc:
        if exc.code() != grpc.StatusCode.NOT_FOUND:
            raise
        return common_pb2.District(district_id=person.caller.district_id), []
    by_school = sorted(reply.calendars, key=lambda c: (c.school_name, c.school_year, c.calendar_id))
    return reply.district, by_school


def _service_error(filters: LogFilters, exc: grpc.aio.AioRpcError) -> None:
    """An INVALID_ARGUMENT from the log service ("field: reason") beside its form field."""
    name, reason = invalid_field(exc)
    field = SERVICE_FIELDS.get(name, "page")
    if field == "page":
        filters.errors[field] = "This page link has expired. Start again from the first page."
    else:
        filters.errors[field] = reason or "Check this value"


async def log_page(request: web.Request) -> web.StreamResponse:
    person = require_person(request)
    log = backends(request).log
    filters = read_filters(request.query)
    # The district (for the Calendar filter) and the list are fetched at once.
    district_call = asyncio.ensure_future(district_and_calendars(request, person))
    reply: log_pb2.ListMessagesResponse | None = None
    try:
        if not filters.errors:
            try:
                reply = await log.ListMessages(filters.request, metadata=person.metadata())
            except grpc.aio.AioRpcError as exc:
                if exc.code() != grpc.StatusCode.INVALID_ARGUMENT:
                    raise
                _service_error(filters, exc)
        district, calendars = await district_call
    finally:
        district_call.cancel()
    check_calendar(filters, [c.calendar_id for c in calendars])
    if "calendar" in filters.errors:
        reply = None
    shown = reply is not None
    if reply is None:
        # Only the scope and the Message Type choices are needed to show the form back.
        scope = (
            log_pb2.MESSAGE_SCOPE_UNSPECIFIED
            if "scope" in filters.errors
            else filters.request.scope
        )
        reply = await log.ListMessages(
            log_pb2.ListMessagesRequest(scope=scope, page_size=1), metadata=person.metadata()
        )
    status = 400 if filters.errors else 200
    return render(
        request,
        "log.html",
        status=status,
        person=person,
        filters=filters,
        reply=reply,
        messages=list(reply.messages) if shown else [],
        shown=shown,
        district=district,
        calendars=calendars,
        scope=SCOPE_NAMES.get(reply.scope, "all"),
        may_my=person.caller.has(Right.MY_MESSAGES),
        may_all=person.caller.has(Right.ALL_MESSAGES),
        search_kinds=KINDS,
        types=[(TYPE_NAMES[t], t) for t in reply.filterable_message_types if t in TYPE_NAMES],
    )
