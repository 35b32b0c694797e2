"""What every page handler reaches through the application: identity, backends, templates."""

from __future__ import annotations

from aiohttp import web

from smlog.services.console.backends import Backends
from smlog.services.console.identity import Identity, SignedIn
from smlog.v1 import log_pb2

IDENTITY_KEY = web.AppKey("identity", Identity)
BACKENDS_KEY = web.AppKey("backends", Backends)


def backends(request: web.Request) -> Backends:
    return request.app[BACKENDS_KEY]


def identity(request: web.Request) -> Identity:
    return request.app[IDENTITY_KEY]


def require_person(request: web.Request) -> SignedIn:
    """The signed-in person; otherwise to the sign-in page (development) or 401 (proxy)."""
    who = identity(request)
    person = who.signed_in(request)
    if person is not None:
        return person
    if who.uses_proxy:
        raise web.HTTPUnauthorized(text="Sign in through your district's sign-in page.")
    raise web.HTTPSeeOther("/sign-in")


def message_id_of(request: web.Request) -> int:
    """The message id in the path; 404 for anything but a positive number."""
    text = request.match_info.get("message_id", "")
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 2**63:
        raise web.HTTPNotFound(text="No such message, or not one you may see.")
    return int(text)


async def get_message(request: web.Request, person: SignedIn,
                      message_id: int) -> log_pb2.MessageDetail:  # fmt: skip
    """Message Detail, as the log service shows it to this person."""
    reply = await backends(request).log.GetMessage(
        log_pb2.GetMessageRequest(message_id=message_id), metadata=person.metadata()
    )
    return reply.message
