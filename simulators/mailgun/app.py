"""The Mailgun simulator's HTTP API: send, events API, signed event webhooks, admin."""

from __future__ import annotations

import asyncio
import base64
import hmac
import inspect
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from smlog.signing import sign_mailgun
from smlog.simulators.common.core import IdempotencyConflict, SimulatorCore
from smlog.simulators.common.delivery import Callback, dumps
from smlog.simulators.common.http import ApiError, add_common_routes, error_middleware, run_app
from smlog.simulators.common.ids import new_id
from smlog.simulators.common.limits import StoredResponse, TokenBucket, retry_after_header
from smlog.simulators.common.profile import scaled
from smlog.simulators.mailgun.events import EventLog, plan_email
from smlog.simulators.mailgun.magic import fate_of, request_error_of
from smlog.simulators.mailgun.profiles import PROFILES
from smlog.simulators.mailgun.requests import InvalidSend, SendRequest, parse_send, user_variables
from smlog.simulators.mailgun.settings import MailgunSettings

__all__ = ["CORE", "MailgunCore", "build_app", "serve"]

# Mailgun's webhook retry schedule (vendor seconds) for any answer but 2xx and 406.
RETRY_SCHEDULE_S = (600.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0)
MAX_PAGE = 300
_OTHER_FIELDS = 100  # from, subject, text, html, recipient-variables, v:, o:, h: ...


def _retry_on(status: int | None) -> bool:
    return status != 406


class MailgunCore(SimulatorCore):
    def __init__(self, settings: MailgunSettings) -> None:
        super().__init__(
            settings,
            name="mailgun",
            channels=("email",),
            encode=self._encode,
            retry_schedule_s=RETRY_SCHEDULE_S,
            retry_on=_retry_on,
        )
        self.mg = settings
        self.profile = PROFILES[settings.profile]
        self.bucket = TokenBucket(settings.requests_per_second)
        self.events = EventLog(settings.events_retained)

    def _encode(self, payload: dict[str, Any], url: str) -> tuple[bytes, dict[str, str]]:
        signature = sign_mailgun(self.mg.webhook_signing_key)
        return dumps({"signature": signature, "event-data": payload}), {}

    def reset(self) -> None:
        super().reset()
        self.events.clear()

    def snapshot(self) -> dict[str, object]:
        return {**super().snapshot(), "events_retained": len(self.events)}

    def authorize(self, request: web.Request) -> None:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        try:
            login, _, password = base64.b64decode(encoded, validate=True).partition(b":")
        except ValueError:
            login, password = b"", b""
        valid = hmac.compare_digest(password, self.mg.api_key.encode())
        if scheme.lower() != "basic" or login != b"api" or not valid:
            raise ApiError(401, "unauthorized", "Invalid private key")
        domain = request.match_info.get("domain", "")
        if domain != self.mg.domain:
            raise ApiError(404, "not_found", f"Domain not found: {domain[:253]}")

    def log_later(self, delay_s: float, event: dict[str, Any]) -> None:
        """Add ``event`` to the events API log when it happens."""
        real_delay = scaled(delay_s, self.mg.time_scale)
        if real_delay <= 0:
            self.events.append(event)
            return
        generation = self.generation

        def append() -> None:
            if self.generation == generation:
                self.events.append(event)

        asyncio.get_running_loop().call_later(real_delay, append)

    def accept(self, send: SendRequest, message_id: str) -> None:
        """Plan every recipient's events: logged when due, posted to the webhook."""
        now = time.time()
        header_id = message_id.strip("<>")
        message = {"headers": {"message-id": header_id, "subject": send.subject}}
        url = self.mg.webhook_url
        for recipient in send.recipients:
            self.count_send("email", recipient)
            fate, timeline = plan_email(self.profile, self.rng, fate_of(recipient))
            self.stats.outcome("email", fate)
            if not timeline:
                continue
            uv = user_variables(send.user_vars, send.variables.get(recipient))
            domain = recipient.rpartition("@")[2]
            events: list[dict[str, Any]] = []
            for delay, fields in timeline:
                event = {
                    "id": new_id(""),
                    "timestamp": round(now + scaled(delay, self.mg.time_scale), 3),
                    "recipient": recipient,
                    "recipient-domain": domain,
                    "message": message,
                    "user-variables": uv,
                    "tags": send.tags,
                    **fields,
                }
                events.append(event)
                self.log_later(delay, event)
            posted = self.faults.reorder(events)
            for (delay, _), event in zip(timeline, posted, strict=True):
                self.sender.schedule(delay, Callback(url, event, "email"))


CORE = web.AppKey("mailgun_core", MailgunCore)


def _shape(status: int, _code: str, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


def _check_request_errors(core: MailgunCore, send: SendRequest) -> None:
    for recipient in send.recipients:
        status = request_error_of(recipient)
        if status == 400:
            raise ApiError(
                400, "invalid", "'to' parameter is not a valid address. please check documentation"
            )
        if status == 500:
            raise ApiError(500, "server_error", "Internal server error")
        if status == 429:
            retry = retry_after_header(scaled(core.mg.retry_after_s, core.mg.time_scale))
            raise ApiError(429, "rate_limited", "Too many requests", {"Retry-After": retry})


async def send_message(request: web.Request) -> web.Response:
    core = request.app[CORE]
    core.authorize(request)
    if core.faults.api_error():
        raise ApiError(500, "server_error", "Internal server error")
    form = await request.post()
    try:
        send = parse_send(form, request.headers.get("Idempotency-Key"), core.mg.max_recipients)
    except InvalidSend as exc:
        raise ApiError(400, "invalid", str(exc)) from None
    fingerprint = (send.sender, send.subject, tuple(send.recipients))
    if send.idempotency_key is not None:
        try:
            stored = core.replay("messages", send.idempotency_key, fingerprint)
        except IdempotencyConflict:
            raise ApiError(400, "invalid", "Idempotency-Key was used for another message") from None
        if stored is not None:
            return web.Response(
                status=stored.status, body=stored.body, content_type="application/json"
            )
    _check_request_errors(core, send)
    wait = core.bucket.take()
    if wait > 0:
        raise ApiError(
            429, "rate_limited", "Too many requests", {"Retry-After": retry_after_header(wait)}
        )
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    message_id = f"<{stamp}.{new_id('')}@{core.mg.domain}>"
    core.accept(send, message_id)
    stored = StoredResponse(
        fingerprint, 200, dumps({"id": message_id, "message": "Queued. Thank you."})
    )
    if send.idempotency_key is not None:
        core.remember("messages", send.idempotency_key, stored)
    slow = core.faults.slow_s()
    if slow:
        await asyncio.sleep(slow)
    return web.Response(status=200, body=stored.body, content_type="application/json")


def _filter(request: web.Request) -> Callable[[dict[str, Any]], bool]:
    event = request.query.get("event")
    recipient = request.query.get("recipient")
    message_id = request.query.get("message-id")
    if message_id is not None:
        message_id = message_id.strip("<>")

    def keep(item: dict[str, Any]) -> bool:
        return (
            (event is None or item["event"] == event)
            and (recipient is None or item["recipient"] == recipient)
            and (message_id is None or item["message"]["headers"]["message-id"] == message_id)
        )

    return keep


async def list_events(request: web.Request) -> web.Response:
    core = request.app[CORE]
    core.authorize(request)
    try:
        limit = int(request.query.get("limit", str(MAX_PAGE)))
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_PAGE:
        raise ApiError(400, "invalid", f"limit: must be an integer from 1 to {MAX_PAGE}")
    token = request.query.get("page", "p0")
    if not (token.startswith("p") and token[1:].isascii() and token[1:].isdigit()):
        raise ApiError(400, "invalid", "page: not a page token from this API")
    items, position = core.events.page(int(token[1:]), limit, _filter(request))
    first = request.url.without_query_params("page")
    paging = {
        "first": str(first),
        "next": str(request.url.update_query(page=f"p{position}")),
    }
    return web.json_response({"items": items, "paging": paging})


def _form_limits(settings: MailgunSettings) -> dict[str, Any]:
    """aiohttp >= 3.14 refuses forms of more than 1,000 fields with a 413; a send may carry
    ``max_recipients`` ``to`` fields plus its other fields, as the real API allows."""
    limits: dict[str, Any] = {"client_max_size": settings.max_body_bytes}
    if "client_max_fields" in inspect.signature(web.Application).parameters:
        limits["client_max_fields"] = settings.max_recipients + _OTHER_FIELDS
    return limits


def build_app(settings: MailgunSettings) -> web.Application:
    core = MailgunCore(settings)
    app = web.Application(middlewares=[error_middleware(core, _shape)], **_form_limits(settings))
    app[CORE] = core
    app.cleanup_ctx.append(core.lifespan)
    app.router.add_post("/v3/{domain}/messages", send_message)
    app.router.add_get("/v3/{domain}/events", list_events)
    add_common_routes(app, core)
    return app


async def serve(settings: MailgunSettings, stop: asyncio.Event) -> None:
    """Run the simulator on settings.host:port until ``stop`` is set."""
    await run_app(build_app(settings), settings.host, settings.port, stop)
