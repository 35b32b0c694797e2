"""What a person sees when something goes wrong: a refused right is a 403 page naming the
right, an unknown or hidden message a 404, a service that is down a 503, and a bug a 500 page
with no stack trace. Every response also carries the page's security headers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import grpc
from aiohttp import web

from smlog.services.console.rendering import render

log = logging.getLogger("smlog.console")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        " object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
UNAVAILABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
TITLES = {
    400: "There is a problem with the request",
    401: "Sign in to continue",
    403: "You do not have the right to do this",
    404: "Page not found",
    405: "Page not found",
    503: "Sorry, the service is unavailable",
}


def rpc_status(exc: grpc.aio.AioRpcError) -> int:
    """The HTTP status a page shows for a failed call."""
    code = exc.code()
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return 403
    if code == grpc.StatusCode.NOT_FOUND:
        return 404
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return 401
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION):
        return 400
    if code in UNAVAILABLE:
        return 503
    return 500


def rpc_message(exc: grpc.aio.AioRpcError, status: int) -> str:
    if status == 503:
        return "A service the console needs is not answering. Try again in a few minutes."
    if status == 500:
        return "Something went wrong on our side. Try again; if it keeps happening, tell support."
    if status == 404:
        return "No such message, or not one you may see."
    # The services' messages say which field or right; they never hold personal data.
    return exc.details() or TITLES.get(status, "Error")


def invalid_field(exc: grpc.aio.AioRpcError) -> tuple[str, str]:
    """An INVALID_ARGUMENT's details ("field: reason") as the field and the reason."""
    name, _, reason = (exc.details() or "").partition(": ")
    return name, reason


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    title = TITLES.get(status, "Sorry, there is a problem")
    return render(request, "error.html", status=status, title=title, message=message)


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPRedirection:
        raise
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = error_page(request, exc.status, exc.text or TITLES.get(exc.status, "Error"))
    except grpc.aio.AioRpcError as exc:
        status = rpc_status(exc)
        if status == 401:
            raise web.HTTPSeeOther("/sign-in") from None
        if status >= 500:
            log.warning("call failed: %s", exc.code().name)
        response = error_page(request, status, rpc_message(exc, status))
    except Exception:
        log.exception("unexpected error on %s", request.path)
        response = error_page(request, 500, "Something went wrong on our side. Try again.")
    if not response.prepared:
        response.headers.update(SECURITY_HEADERS)
    return response
