"""The Voxology simulator's HTTP API: place calls, send texts, inbound replies, admin."""

from __future__ import annotations

import asyncio
import hmac
import time
from typing import Any

from aiohttp import web

from smlog.signing import sign_voxology
from smlog.simulators.common.core import IdempotencyConflict, SimulatorCore
from smlog.simulators.common.delivery import Callback, dumps
from smlog.simulators.common.http import (
    ApiError,
    add_common_routes,
    error_middleware,
    read_json_object,
    run_app,
)
from smlog.simulators.common.ids import new_id, rfc3339, rfc3339_now
from smlog.simulators.common.limits import StoredResponse, TokenBucket, retry_after_header
from smlog.simulators.common.profile import scaled, stable_fraction
from smlog.simulators.voxology.magic import REQUEST_ERRORS
from smlog.simulators.voxology.plans import Plan, plan_call, plan_sms, sms_magic, voice_magic
from smlog.simulators.voxology.profiles import PROFILES
from smlog.simulators.voxology.requests import InvalidRequest, parse_call, parse_sms
from smlog.simulators.voxology.settings import VoxologySettings

__all__ = ["CORE", "VoxologyCore", "build_app", "serve"]

# Callback retries (vendor seconds) on no answer, 5xx, 408 or 429 from the receiver.
RETRY_SCHEDULE_S = (5.0, 30.0, 120.0, 600.0)


def _retry_on(status: int | None) -> bool:
    return status is None or status >= 500 or status in (408, 429)


class VoxologyCore(SimulatorCore):
    def __init__(self, settings: VoxologySettings) -> None:
        super().__init__(
            settings,
            name="voxology",
            channels=("call", "sms"),
            encode=self._encode,
            retry_schedule_s=RETRY_SCHEDULE_S,
            retry_on=_retry_on,
        )
        self.vox = settings
        self.profile = PROFILES[settings.profile]
        self.call_bucket = TokenBucket(settings.calls_per_second)
        self.sms_bucket = TokenBucket(settings.messages_per_second)
        self.active_calls = 0
        self.pending_replies: dict[str, str] = {}
        self.stats.gauge(
            "smlog_sim_active_calls", "Calls placed and not yet ended.", lambda: self.active_calls
        )

    def _encode(self, payload: dict[str, Any], url: str) -> tuple[bytes, dict[str, str]]:
        payload.setdefault("timestamp", rfc3339_now())  # inbound replies: the time of posting
        body = dumps(payload)
        return body, sign_voxology(self.vox.signing_secret, body, url=url)

    def reset(self) -> None:
        super().reset()
        self.active_calls = 0
        self.pending_replies.clear()

    def snapshot(self) -> dict[str, object]:
        return {
            **super().snapshot(),
            "active_calls": self.active_calls,
            "pending_replies": len(self.pending_replies),
        }

    def authorize(self, request: web.Request) -> None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        valid = hmac.compare_digest(token.strip().encode(), self.vox.api_key.encode())
        if scheme.lower() != "bearer" or not valid:
            raise ApiError(401, "unauthorized", "missing or invalid API key")

    def schedule_plan(self, plan: Plan, url: str, kind: str, ids: dict[str, str]) -> None:
        now = time.time()
        scale = self.vox.time_scale
        payloads = [
            {
                "event_id": new_id("EV"),
                **ids,
                **fields,
                "timestamp": rfc3339(now + scaled(at, scale)),
            }
            for at, fields in plan.events
        ]
        reordered = self.faults.reorder(payloads)
        for (delay, _), payload in zip(plan.events, reordered, strict=True):
            self.sender.schedule(delay, Callback(url, payload, kind))

    def schedule_inbound(self, delay_s: float, sender: str, body: str, to: str = "") -> str:
        """An inbound text from ``sender`` to ``to``: the number the text it answers came from,
        as a phone replies; the simulator's short code for a reply made up by an operator."""
        message_id = new_id("SM")
        payload = {
            "event_id": new_id("EV"),
            "message_id": message_id,
            "from": sender,
            "to": to or self.vox.short_code,
            "body": body,
        }
        self.sender.schedule(delay_s, Callback(self.vox.inbound_url, payload, "inbound"))
        return message_id

    def occupy_line(self, end_s: float) -> None:
        self.active_calls += 1
        generation = self.generation

        def release() -> None:
            if self.generation == generation:
                self.active_calls -= 1

        asyncio.get_running_loop().call_later(scaled(end_s, self.vox.time_scale), release)


CORE = web.AppKey("voxology_core", VoxologyCore)


def _shape(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def _created(stored: StoredResponse, *, replayed: bool = False) -> web.Response:
    response = web.Response(status=stored.status, body=stored.body)
    response.content_type = "application/json"
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


async def _start(request: web.Request, core: VoxologyCore) -> tuple[dict[str, Any], str]:
    """Checks every request goes through first: key, injected 500s, body, idempotency key."""
    core.authorize(request)
    if core.faults.api_error():
        raise ApiError(500, "vendor_error", "temporary vendor failure, retry later")
    body = await read_json_object(request)
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 255:
        raise ApiError(400, "missing_idempotency_key", "Idempotency-Key header (1-255) required")
    return body, key


def _check_to(core: VoxologyCore, to: str, bucket: TokenBucket) -> None:
    status = REQUEST_ERRORS.get(to)
    if status == 400:
        raise ApiError(400, "invalid_number", "the number cannot be reached")
    if status == 500:
        raise ApiError(500, "vendor_error", "vendor failure")
    if status == 429:
        retry = retry_after_header(scaled(core.vox.retry_after_s, core.vox.time_scale))
        raise ApiError(429, "rate_limited", "too many requests", {"Retry-After": retry})
    wait = bucket.take()
    if wait > 0:
        raise ApiError(
            429, "rate_limited", "over the rate limit", {"Retry-After": retry_after_header(wait)}
        )


def _replay(core: VoxologyCore, scope: str, key: str, fingerprint: object) -> web.Response | None:
    try:
        stored = core.replay(scope, key, fingerprint)
    except IdempotencyConflict:
        raise ApiError(400, "idempotency_key_reused", "key used for another request") from None
    return None if stored is None else _created(stored, replayed=True)


async def _answer(
    core: VoxologyCore, scope: str, key: str, fingerprint: object, body: dict[str, str]
) -> web.Response:
    stored = StoredResponse(fingerprint, 201, dumps(body))
    core.remember(scope, key, stored)
    slow = core.faults.slow_s()
    if slow:
        await asyncio.sleep(slow)
    return _created(stored)


async def place_call(request: web.Request) -> web.Response:
    core = request.app[CORE]
    body, key = await _start(request, core)
    try:
        call = parse_call(body)
    except InvalidRequest as exc:
        raise ApiError(400, exc.code, exc.message) from None
    fingerprint = (call.to, call.from_, call.say, call.extension)
    replayed = _replay(core, "calls", key, fingerprint)
    if replayed is not None:
        return replayed
    _check_to(core, call.to, core.call_bucket)
    limit = core.vox.max_concurrent_calls
    if limit and core.active_calls >= limit:
        retry = retry_after_header(scaled(core.vox.retry_after_s, core.vox.time_scale))
        raise ApiError(
            429, "concurrency_limit", "too many calls in progress", {"Retry-After": retry}
        )
    call_id = new_id("CA")
    number = core.count_send("call", call.to)
    plan = plan_call(core.profile, core.rng, voice_magic(call.to, number), call.events)
    core.stats.outcome("call", plan.outcome)
    url = call.status_callback or core.vox.call_callback_url
    core.schedule_plan(plan, url, "call", {"call_id": call_id})
    core.occupy_line(plan.end_s)
    return await _answer(core, "calls", key, fingerprint, {"call_id": call_id, "status": "queued"})


async def send_text(request: web.Request) -> web.Response:
    core = request.app[CORE]
    body, key = await _start(request, core)
    try:
        sms = parse_sms(body)
    except InvalidRequest as exc:
        raise ApiError(400, exc.code, exc.message) from None
    fingerprint = (sms.to, sms.from_, sms.body)
    replayed = _replay(core, "messages", key, fingerprint)
    if replayed is not None:
        return replayed
    _check_to(core, sms.to, core.sms_bucket)
    message_id = new_id("SM")
    core.count_send("sms", sms.to)
    forced = sms_magic(sms.to)
    landline = forced is None and stable_fraction(sms.to) < core.profile.landline_share
    plan = plan_sms(core.profile, core.rng, forced, landline)
    core.stats.outcome("sms", plan.outcome)
    url = sms.status_callback or core.vox.sms_callback_url
    core.schedule_plan(plan, url, "sms", {"message_id": message_id})
    if plan.reply_at_s is not None:
        reply = core.pending_replies.pop(sms.to, None) or (forced.reply if forced else None)
        if reply is not None:
            core.schedule_inbound(plan.reply_at_s, sms.to, reply, to=sms.from_)
    answer = {"message_id": message_id, "status": "queued"}
    return await _answer(core, "messages", key, fingerprint, answer)


async def admin_reply(request: web.Request) -> web.Response:
    """Make ``from`` reply ``body`` to the short code now, or after its next delivered text."""
    core = request.app[CORE]
    body = await read_json_object(request)
    sender, text, after_text = body.get("from"), body.get("body"), body.get("after_text", False)
    if not isinstance(sender, str) or not isinstance(text, str) or len(text) > 1600:
        raise ApiError(400, "invalid_request", "'from' and 'body' (at most 1600) are required")
    if not isinstance(after_text, bool):
        raise ApiError(400, "invalid_request", "'after_text' must be a boolean")
    if after_text:
        core.pending_replies[sender] = text
        return web.json_response({"scheduled": "after_text"}, status=202)
    message_id = core.schedule_inbound(0.0, sender, text)
    return web.json_response({"message_id": message_id}, status=202)


def build_app(settings: VoxologySettings) -> web.Application:
    core = VoxologyCore(settings)
    app = web.Application(
        client_max_size=settings.max_body_bytes, middlewares=[error_middleware(core, _shape)]
    )
    app[CORE] = core
    app.cleanup_ctx.append(core.lifespan)
    app.router.add_post("/v1/calls", place_call)
    app.router.add_post("/v1/messages", send_text)
    app.router.add_post("/admin/reply", admin_reply)
    add_common_routes(app, core)
    return app


async def serve(settings: VoxologySettings, stop: asyncio.Event) -> None:
    """Run the simulator on settings.host:port until ``stop`` is set."""
    await run_app(build_app(settings), settings.host, settings.port, stop)
