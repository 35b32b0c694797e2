"""The vendor-facing webhook edge (aiohttp), beside the gRPC port.

Each request is read (size-limited), verified (signature, timestamp, replay), checked for the
fields its event needs, then its raw body is journaled by the group commit and answered 200 —
the state machine applies it afterwards. A refusal changes nothing and answers a reason:
401 bad signature or stale timestamp, 403 replay, 413 too large, 400 unusable body (406 for
Mailgun, whose 406 stops its retries), 503 when the journal cannot be written (retry later).
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from smlog.config import Settings
from smlog.services.status import metrics
from smlog.services.status.events import KEY_MAILGUN, KEY_VOXOLOGY
from smlog.services.status.journal import CommitQueue, JournalEntry
from smlog.services.status.payloads import (
    PayloadError,
    inbound_text,
    load_object,
    mailgun_event,
    parse_attempt_id,
    voxology_call_event,
    voxology_sms_event,
)
from smlog.signing import (
    VOXOLOGY_SIGNATURE_HEADER,
    VOXOLOGY_TIMESTAMP_HEADER,
    SignatureError,
    verify_mailgun,
    verify_voxology,
)
from smlog.store import Database

__all__ = ["WebhookEdge"]

log = logging.getLogger("smlog.status.webhooks")


class Refused(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


def _refuse(status: int, reason: str, message: str) -> web.Response:
    return web.json_response({"error": {"reason": reason, "message": message}}, status=status)


class WebhookEdge:
    """The HTTP edge as a service component; ``port`` is the bound port once started."""

    def __init__(
        self, settings: Settings, db: Database, commits: CommitQueue, port: int | None = None
    ) -> None:
        self._settings = settings
        self._db = db
        self._commits = commits
        self._wanted_port = settings.status_http_port if port is None else port
        self._runner: web.AppRunner | None = None
        self.port = 0

    def app(self) -> web.Application:
        app = web.Application(client_max_size=self._settings.webhook_max_body_bytes)
        app.router.add_post("/webhooks/voxology/call", self._voxology_call)
        app.router.add_post("/webhooks/voxology/sms", self._voxology_sms)
        app.router.add_post("/webhooks/voxology/inbound", self._voxology_inbound)
        app.router.add_post("/webhooks/mailgun", self._mailgun)
        app.router.add_get("/healthz", self._healthz)
        return app

    async def start(self) -> None:
        if self._runner is not None:
            return
        await self._commits.start()
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self._settings.host, self._wanted_port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        log.info("webhook edge listening", extra={"port": self.port})

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self._commits.stop()

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _voxology_call(self, request: web.Request) -> web.Response:
        return await self._handle(request, "voxology", "call")

    async def _voxology_sms(self, request: web.Request) -> web.Response:
        return await self._handle(request, "voxology", "sms")

    async def _voxology_inbound(self, request: web.Request) -> web.Response:
        return await self._handle(request, "voxology", "inbound")

    async def _mailgun(self, request: web.Request) -> web.Response:
        return await self._handle(request, "mailgun", "events")

    async def _handle(self, request: web.Request, vendor: str, kind: str) -> web.Response:
        metrics.RECEIVED.labels(vendor, kind).inc()
        try:
            body = await self._read(request)
            entry: JournalEntry | None
            if vendor == "mailgun":
                entry = self._mailgun_entry(body)
            else:
                entry = await self._voxology_entry(request, kind, body)
            if entry is None:  # a HELP answer's own status callback: nothing to keep
                return web.json_response({"status": "ignored"})
            try:
                fresh = await self._commits.submit(entry)
            except Exception:
                raise Refused(503, "unavailable", "cannot record the event; retry later") from None
            if not fresh:
                raise Refused(403, "replayed", "this webhook was received before")
        except Refused as refusal:
            metrics.REJECTED.labels(vendor, refusal.reason).inc()
            log.info(
                "webhook refused",
                extra={"vendor": vendor, "kind": kind, "reason": refusal.reason,
                       "http_status": refusal.status},
            )  # fmt: skip
            return _refuse(refusal.status, refusal.reason, refusal.message)
        return web.json_response({"status": "accepted"})

    async def _read(self, request: web.Request) -> bytes:
        limit = self._settings.webhook_max_body_bytes
        too_large = Refused(413, "too_large", f"body larger than {limit} bytes")
        if request.content_length is not None and request.content_length > limit:
            raise too_large
        try:
            return await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise too_large from None

    def _payload_refusal(self, exc: PayloadError, status: int = 400) -> Refused:
        return Refused(status, exc.reason, exc.message)

    async def _voxology_entry(
        self, request: web.Request, kind: str, body: bytes
    ) -> JournalEntry | None:
        try:
            verified = verify_voxology(
                self._settings.voxology_webhook_secret,
                body,
                request.headers.get(VOXOLOGY_TIMESTAMP_HEADER),
                request.headers.get(VOXOLOGY_SIGNATURE_HEADER),
                target=request.raw_path,
                tolerance_s=self._settings.webhook_timestamp_tolerance_seconds,
            )
        except SignatureError as exc:
            raise _signature_refusal(exc) from None
        # The replay key is the verified signature, not the event id: Voxology re-signs every
        # retry with a fresh timestamp, so an honest retry of an event we already journaled is
        # accepted (and applied once: the state machine dedupes on the event id), while the
        # same signed request seen twice is a replay however its header is padded.
        replay_key = KEY_VOXOLOGY + "sig:" + verified
        try:
            doc = load_object(body)
            if kind == "inbound":
                text = inbound_text(doc)
                if not await self._short_code_known(text.short_code):
                    raise Refused(400, "unknown_short_code", "unknown short code")
                return JournalEntry("voxology", kind, body, 0, replay_key)
            if kind == "sms" and request.query.get("reply") == "help":
                return None
            attempt_id = parse_attempt_id(request.query.get("attempt_id"), "attempt_id parameter")
            parse = voxology_call_event if kind == "call" else voxology_sms_event
            parse(doc, attempt_id)  # validates the fields; the worker maps it when applying
        except PayloadError as exc:
            raise self._payload_refusal(exc) from None
        return JournalEntry("voxology", kind, body, attempt_id, replay_key)

    def _mailgun_entry(self, body: bytes) -> JournalEntry:
        try:
            doc = load_object(body)
        except PayloadError as exc:
            raise self._payload_refusal(exc, 406) from None
        signature: Any = doc.get("signature")
        try:
            verify_mailgun(
                self._settings.mailgun_signing_key,
                signature,
                tolerance_s=self._settings.webhook_timestamp_tolerance_seconds,
            )
        except SignatureError as exc:
            raise _signature_refusal(exc) from None
        try:
            mailgun_event(doc)
        except PayloadError as exc:
            raise self._payload_refusal(exc, 406) from None
        token = KEY_MAILGUN + "token:" + str(signature["token"])
        return JournalEntry("mailgun", "events", body, 0, token)

    async def _short_code_known(self, short_code: str) -> bool:
        # The shared sender number of districts without a short code takes replies too; the
        # worker routes them to the district that texted the sender (services/status/optout.py).
        if short_code and short_code == self._settings.voxology_from_number:
            return True
        row = await self._db.fetch_one(
            "SELECT 1 FROM districts WHERE sms_short_code = ? AND sms_short_code <> ''",
            (short_code,),
        )
        return row is not None


def _signature_refusal(exc: SignatureError) -> Refused:
    reason = "stale_timestamp" if exc.reason == "stale" else f"signature_{exc.reason}"
    return Refused(401, reason, f"webhook signature refused: {exc.reason}")
