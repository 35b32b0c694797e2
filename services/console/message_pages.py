"""Screen 2, Message Detail, with screen 4 (live progress and Cancel for a message still
sending) and screen 5 (Recipient Details)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import grpc
from aiohttp import web

from smlog.auth import Right
from smlog.domain.labels import format_duration, message_status_label
from smlog.runtime import LONG_STREAM_SECONDS
from smlog.services.console.context import (
    backends,
    get_message,
    identity,
    message_id_of,
    require_person,
)
from smlog.services.console.rendering import render
from smlog.services.console.report_page import MODES, STATUSES
from smlog.services.console.resend_page import may_resend
from smlog.v1 import common_pb2, dispatch_pb2, log_pb2

IN_PROGRESS = common_pb2.MESSAGE_STATUS_IN_PROGRESS
DELIVERIES_PAGE = 50


async def detail_page(request: web.Request) -> web.StreamResponse:
    person = require_person(request)
    message_id = message_id_of(request)
    m = await get_message(request, person, message_id)
    canceled = request.query.get("canceled", "")
    return render(
        request,
        "detail.html",
        person=person,
        m=m,
        zone=m.general_criteria.district.time_zone,
        in_progress=m.status == IN_PROGRESS,
        may_cancel=person.caller.has(Right.CANCEL_MESSAGES),
        may_resend=may_resend(person, m),
        canceled=int(canceled) if canceled.isdigit() else None,
        modes=MODES,
        statuses=STATUSES,
        report_errors={},
        chosen_modes=["all"],
        chosen_statuses=["all"],
        chosen_format="pdf",
    )


def _progress_json(p: common_pb2.DispatchProgress) -> str:
    return json.dumps(
        {
            "status": message_status_label(p.status),
            "in_progress": p.status == IN_PROGRESS,
            "total_message_duration": format_duration(p.total_message_duration),
            "modes": {
                str(m.delivery_mode): {
                    "total_devices": m.total_devices,
                    "total_attempts": m.total_attempts,
                    "total_successful": m.total_successful,
                    "total_error": m.total_error,
                    "total_canceled": m.total_canceled,
                    "total_pending": m.total_pending,
                    "first_attempt_duration": format_duration(m.first_attempt_duration),
                }
                for m in p.modes
            },
        }
    )


async def progress_events(request: web.Request) -> web.StreamResponse:
    """Server-sent events with the message's progress, from DispatchService.WatchMessage."""
    person = require_person(request)
    message_id = message_id_of(request)
    call = backends(request).dispatch.WatchMessage(
        dispatch_pb2.WatchMessageRequest(message_id=message_id),
        metadata=person.metadata(),
        timeout=LONG_STREAM_SECONDS,
    )
    response: web.StreamResponse | None = None
    try:
        async for update in call:
            if response is None:
                response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                                       "Cache-Control": "no-store"})  # fmt: skip
                await response.prepare(request)
            await response.write(f"data: {_progress_json(update.progress)}\n\n".encode())
    except (ConnectionResetError, grpc.aio.AioRpcError):
        if response is None:
            raise
    finally:
        call.cancel()
    if response is None:
        return web.Response(status=204)
    return response


async def cancel_page(request: web.Request) -> web.StreamResponse:
    """The confirmation: what will be canceled, and a button that needs the CSRF token."""
    person = require_person(request)
    message_id = message_id_of(request)
    m = await get_message(request, person, message_id)
    return render(request, "cancel.html", person=person, m=m)


async def cancel(request: web.Request) -> web.StreamResponse:
    person = require_person(request)
    message_id = message_id_of(request)
    form = await request.post()
    identity(request).check_csrf(person, str(form.get("csrf", "")))
    reply = await backends(request).dispatch.CancelMessage(
        dispatch_pb2.CancelMessageRequest(message_id=message_id), metadata=person.metadata()
    )
    raise web.HTTPSeeOther(f"/messages/{message_id}?canceled={reply.canceled_count}")


async def recipients_page(request: web.Request) -> web.StreamResponse:
    """Recipient Details: one row per device, filtered by mode and status, devices masked
    unless the person has the right and asks to see them in full."""
    person = require_person(request)
    message_id = message_id_of(request)
    query = request.query
    mode, status = query.get("mode", ""), query.get("status", "")
    full = query.get("full", "") == "1"
    errors: dict[str, str] = {}
    req = log_pb2.ListDeliveriesRequest(
        message_id=message_id, page_size=DELIVERIES_PAGE, page_token=query.get("page", ""),
        show_full_devices=full,
    )  # fmt: skip
    if mode:
        if mode in MODES:
            req.delivery_modes.append(MODES[mode])
        else:
            errors["mode"] = "Choose a delivery mode from the list"
    if status:
        if status in STATUSES:
            req.statuses.append(STATUSES[status])
        else:
            errors["status"] = "Choose a status from the list"
    m = await get_message(request, person, message_id)
    reply = log_pb2.ListDeliveriesResponse()
    if not errors:
        reply = await backends(request).log.ListDeliveries(req, metadata=person.metadata())
    values = {"mode": mode, "status": status, "full": "1" if full else ""}
    kept = {k: v for k, v in values.items() if v}
    next_query = urlencode({**kept, "page": reply.next_page_token})
    return render(
        request,
        "recipients.html",
        status=400 if errors else 200,
        person=person,
        m=m,
        zone=m.general_criteria.district.time_zone,
        reply=reply,
        errors=errors,
        values=values,
        modes=MODES,
        statuses=STATUSES,
        may_see_devices=person.caller.has(Right.VIEW_DEVICE_DETAILS),
        next_query=next_query if reply.next_page_token else "",
        first_query=urlencode(kept),
    )
