"""Signing in and out. Development and the demo: a page listing the demo district's staff
with their rights. Production (``console_sign_in=proxy``): the identity proxy's header is the
only way in, so these pages refuse."""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web

from smlog.auth.demo_staff import DEMO_STAFF, staff_member
from smlog.services.console.context import identity, require_person
from smlog.services.console.rendering import render

NONCE_COOKIE = "smlog_sign_in"


async def sign_in_page(request: web.Request) -> web.StreamResponse:
    if identity(request).uses_proxy:
        raise web.HTTPNotFound(text="Sign in through your district's sign-in page.")
    nonce = secrets.token_urlsafe(24)
    response = render(request, "sign_in.html", staff=DEMO_STAFF, nonce=nonce)
    response.set_cookie(NONCE_COOKIE, nonce, path="/sign-in", httponly=True, samesite="Strict")
    return response


async def sign_in(request: web.Request) -> web.StreamResponse:
    who = identity(request)
    if who.uses_proxy:
        raise web.HTTPNotFound(text="Sign in through your district's sign-in page.")
    form = await request.post()
    nonce = request.cookies.get(NONCE_COOKIE, "")
    if not nonce or not hmac.compare_digest(nonce, str(form.get("nonce", ""))):
        raise web.HTTPForbidden(text="The sign-in form has expired. Reload it and try again.")
    member = staff_member(str(form.get("user_id", "")))
    if member is None:
        raise web.HTTPBadRequest(text="Choose a person from the list.")
    response = web.HTTPSeeOther("/")
    who.start_session(request, response, member)
    response.del_cookie(NONCE_COOKIE, path="/sign-in")
    raise response


async def sign_out(request: web.Request) -> web.StreamResponse:
    person = require_person(request)
    form = await request.post()
    identity(request).check_csrf(person, str(form.get("csrf", "")))
    response = web.HTTPSeeOther("/sign-in")
    identity(request).end_session(request, response)
    raise response
