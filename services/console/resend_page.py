"""Resend to those not reached: the confirmation page on a finished or canceled message and
its POST, which calls ``DispatchService.ResendMessage`` (docs/dispatch.md "Resend").

The page shows the button only to people the dispatch service would let resend (the
``send_messages`` right and the message type's right); the service checks them again, with
the original's visibility. The form carries the CSRF token and a request id chosen when the
page was shown, so submitting it twice makes one resend.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import TypeVar

from aiohttp import web

from smlog.auth import TYPE_RIGHTS, Right
from smlog.domain import PENDING_STATUSES, STATUS_GROUPS
from smlog.services.console.context import (
    backends,
    get_message,
    identity,
    message_id_of,
    require_person,
)
from smlog.services.console.identity import SignedIn
from smlog.services.console.rendering import render
from smlog.services.console.report_page import MODES, STATUSES
from smlog.v1 import common_pb2, dispatch_pb2, log_pb2

_M = common_pb2.MessageStatus
FINISHED = frozenset(
    {
        _M.MESSAGE_STATUS_SENT,
        _M.MESSAGE_STATUS_ERRORED,
        _M.MESSAGE_STATUS_CANCELED,
        _M.MESSAGE_STATUS_NO_RECIPIENTS,
    }
)
_S = common_pb2.DeviceStatus
# ResendMessage's default when no status is named: the error group, No Answer, Busy and No
# Call Status (docs/dispatch.md "Resend"), pre-selected on the confirmation page.
DEFAULT_STATUSES = frozenset(
    {s for s, group in STATUS_GROUPS.items() if group == common_pb2.STATUS_GROUP_ERROR}
    | {_S.DEVICE_STATUS_NO_ANSWER, _S.DEVICE_STATUS_BUSY, _S.DEVICE_STATUS_NO_CALL_STATUS}
)
# Statuses a delivery can end with: what a resend can be chosen by.
ENDING_STATUSES = {slug: v for slug, v in STATUSES.items() if v not in PENDING_STATUSES}
_V = TypeVar("_V")
_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


def missing_right(person: SignedIn, m: log_pb2.MessageDetail) -> Right | None:
    """The right this person lacks to resend this message, or None."""
    if not person.caller.has(Right.SEND_MESSAGES):
        return Right.SEND_MESSAGES
    type_right = TYPE_RIGHTS.get(m.general_criteria.message_type)
    if type_right is None or not person.caller.has(type_right):
        return type_right or Right.SEND_MESSAGES
    return None


def may_resend(person: SignedIn, m: log_pb2.MessageDetail) -> bool:
    """Whether Message Detail offers "Resend to those not reached"."""
    return m.status in FINISHED and missing_right(person, m) is None


async def _resendable(
    request: web.Request, person: SignedIn, message_id: int
) -> log_pb2.MessageDetail:
    m = await get_message(request, person, message_id)
    right = missing_right(person, m)
    if right is not None:
        raise web.HTTPForbidden(text=f"Resending this message needs the {right.value} right.")
    if m.status not in FINISHED:
        raise web.HTTPBadRequest(
            text="Only a finished or canceled message can be resent. Wait until it has finished."
        )
    return m


def _chosen(values: Sequence[str], known: Mapping[str, _V], what: str,
            errors: dict[str, str], name: str) -> list[_V]:  # fmt: skip
    if not values:
        errors[name] = f"Choose at least one {what}"
    elif any(v not in known for v in values):
        errors[name] = f"Choose {what}s from the list"
    return [known[v] for v in values if v in known]


def _page(request: web.Request, person: SignedIn, m: log_pb2.MessageDetail, *,
          request_id: str, statuses: Collection[int], modes: Collection[int],
          errors: dict[str, str]) -> web.Response:  # fmt: skip
    return render(
        request,
        "resend.html",
        status=400 if errors else 200,
        person=person,
        m=m,
        request_id=request_id,
        statuses=ENDING_STATUSES,
        modes={slug: v for slug, v in MODES.items() if v in m.general_criteria.delivery_modes},
        chosen_statuses=set(statuses),
        chosen_modes=set(modes),
        errors=errors,
    )


async def resend_page(request: web.Request) -> web.StreamResponse:
    """The confirmation: which devices will be tried again, with the API's defaults chosen."""
    person = require_person(request)
    m = await _resendable(request, person, message_id_of(request))
    return _page(request, person, m, request_id=str(uuid.uuid4()), statuses=DEFAULT_STATUSES,
                 modes=m.general_criteria.delivery_modes, errors={})  # fmt: skip


async def resend(request: web.Request) -> web.StreamResponse:
    person = require_person(request)
    message_id = message_id_of(request)
    form = await request.post()
    identity(request).check_csrf(person, str(form.get("csrf", "")))
    request_id = str(form.get("request_id", ""))
    if not _REQUEST_ID.fullmatch(request_id):
        raise web.HTTPBadRequest(text="The form has expired. Go back, reload and try again.")
    m = await _resendable(request, person, message_id)
    errors: dict[str, str] = {}
    statuses = _chosen([str(v) for v in form.getall("status", [])], ENDING_STATUSES,
                       "status", errors, "status")  # fmt: skip
    modes = _chosen([str(v) for v in form.getall("mode", [])], MODES, "delivery mode", errors,
                    "mode")  # fmt: skip
    if any(mode not in m.general_criteria.delivery_modes for mode in modes):
        errors["mode"] = "Choose delivery modes of this message"
    if errors:
        return _page(request, person, m, request_id=request_id, statuses=statuses, modes=modes,
                     errors=errors)  # fmt: skip
    reply = await backends(request).dispatch.ResendMessage(
        dispatch_pb2.ResendMessageRequest(
            request_id=f"console-{request_id}", message_id=message_id, statuses=statuses,
            delivery_modes=modes,
        ),
        metadata=person.metadata(),
    )  # fmt: skip
    raise web.HTTPSeeOther(f"/messages/{reply.message_id}")
