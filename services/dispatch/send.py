"""What a pool worker does with a job: call the vendor and turn its answer into an ``Answer``.

Voice and text carry a status callback to the status service's webhook edge with the attempt
id; email carries the attempt ids in Mailgun's recipient variables. A 4xx is Error (final);
a vendor failure (5xx, 429, timeout, connection) is a ``Failure``, which the engine holds for
a later try (``retries``); nothing here writes to the store.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from smlog.config import Settings
from smlog.services.dispatch.catalog import Catalog
from smlog.services.dispatch.clock import Clock
from smlog.services.dispatch.policy import VOICE
from smlog.services.dispatch.pools import EmailJob, Job, PhoneJob
from smlog.services.dispatch.record import Answer
from smlog.v1.common_pb2 import DeviceStatus
from smlog.vendors import (
    EmailClient,
    EmailRecipient,
    TextClient,
    VendorError,
    VendorFailed,
    VendorRejected,
    VoiceClient,
)

__all__ = ["Failure", "Senders"]

log = logging.getLogger("smlog.dispatch.send")


@dataclass(frozen=True, slots=True)
class Failure:
    """The vendor failed this request: worth trying again later with the same key."""

    code: str  # the HTTP status, or the kind of failure (timeout, connection)
    detail: str
    retry_after: float | None = None


class Senders:
    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        clock: Clock,
        *,
        voice: VoiceClient,
        text: TextClient,
        email: EmailClient,
    ) -> None:
        self._callbacks = settings.status_public_url.rstrip("/") + "/webhooks/voxology"
        self._catalog = catalog
        self._clock = clock
        self._voice = voice
        self._text = text
        self._email = email

    async def send(self, job: Job) -> Answer | Failure:
        try:
            if isinstance(job, EmailJob):
                return await self._send_email(job)
            return await self._send_phone(job)
        except VendorRejected as exc:
            log.warning(
                "vendor refused request",
                extra={
                    "vendor": exc.vendor,
                    "http_status": exc.http_status,
                    "code": exc.code,
                    "attempts": len(job.attempt_ids),
                    "first_attempt_id": job.attempt_ids[0],
                },
            )
            return self._refused(job, DeviceStatus.DEVICE_STATUS_ERROR, exc, exc.code)
        except VendorFailed as exc:
            log.warning(
                "vendor failed; held for a later try",
                extra={
                    "vendor": exc.vendor,
                    "reason": exc.reason,
                    "attempts": len(job.attempt_ids),
                    "first_attempt_id": job.attempt_ids[0],
                },
            )
            return Failure(exc.code or "", exc.message[:500], exc.retry_after)

    def _refused(self, job: Job, status: int, exc: VendorError, code: str) -> Answer:
        return Answer(
            job.attempt_ids,
            self._clock.now_us(),
            final_status=status,
            code=code or "",
            detail=exc.message[:500],
            batch_key=job.idempotency_key if isinstance(job, EmailJob) else None,
        )

    async def _send_phone(self, job: PhoneJob) -> Answer:
        info = await self._catalog.message(job.message_id)
        if job.mode == VOICE:
            reference = await self._voice.place_call(
                to=job.address,
                extension=job.extension,
                say=info.content.get("voice_script", ""),
                idempotency_key=job.idempotency_key,
                status_callback=f"{self._callbacks}/call?attempt_id={job.attempt_id}",
            )
        else:
            reference = await self._text.send_text(
                to=job.address,
                body=info.content.get("text_body", ""),
                idempotency_key=job.idempotency_key,
                status_callback=f"{self._callbacks}/sms?attempt_id={job.attempt_id}",
                from_=info.short_code or None,
            )
        return Answer(job.attempt_ids, self._clock.now_us(), reference=reference)

    async def _send_email(self, job: EmailJob) -> Answer:
        info = await self._catalog.message(job.message_id)
        reference = await self._email.send_batch(
            recipients=[EmailRecipient(address, attempt) for attempt, address in job.recipients],
            subject=info.subject,
            text=info.content.get("email_body", ""),
            idempotency_key=job.idempotency_key,
        )
        return Answer(
            job.attempt_ids,
            self._clock.now_us(),
            reference=reference,
            final_status=DeviceStatus.DEVICE_STATUS_SENT,
            batch_key=job.idempotency_key,
        )
