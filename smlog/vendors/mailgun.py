"""Mailgun: one email to a batch of up to 1,000 recipients (docs/vendor-apis.md).

Each address carries its attempt id in ``recipient-variables``, and ``v:attempt_id`` makes
Mailgun echo it in every event (``user-variables.attempt_id``), so the status service can tie
an event to its attempt.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence

import aiohttp

from smlog.config import Settings
from smlog.vendors.base import EmailClient, EmailRecipient, VendorFailed
from smlog.vendors.http import RetryPolicy, VendorHttp

__all__ = ["MailgunClient"]

VENDOR = "mailgun"


class MailgunClient(EmailClient):
    def __init__(
        self,
        settings: Settings,
        session: aiohttp.ClientSession | None = None,
        *,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._from = settings.mailgun_from
        self._path = f"/v3/{settings.mailgun_domain}/messages"
        self._http = VendorHttp(
            VENDOR,
            settings.mailgun_url,
            policy or RetryPolicy.from_settings(settings),
            headers={"Authorization": _basic("api", settings.mailgun_api_key)},
            connections=max(settings.mailgun_concurrency, 1),
            session=session,
        )

    async def send_batch(
        self,
        *,
        recipients: Sequence[EmailRecipient],
        subject: str,
        text: str,
        idempotency_key: str,
        html: str | None = None,
    ) -> str:
        if not recipients:
            raise ValueError("an email batch needs at least one recipient")
        if len(recipients) > self.max_batch:
            raise ValueError(f"an email batch holds at most {self.max_batch} recipients")
        variables = {r.address: {"attempt_id": r.attempt_id} for r in recipients}
        if len(variables) != len(recipients):
            raise ValueError("an email batch must not name the same address twice")
        fields: list[tuple[str, str]] = [("from", self._from)]
        fields += [("to", r.address) for r in recipients]
        fields += [
            ("subject", subject),
            ("text", text),
            ("recipient-variables", json.dumps(variables, separators=(",", ":"))),
            ("v:attempt_id", "%recipient.attempt_id%"),
            ("h:Idempotency-Key", idempotency_key),
        ]
        if html is not None:
            fields.append(("html", html))
        body = await self._http.post(
            self._path, "send_batch", headers={"Idempotency-Key": idempotency_key}, data=fields
        )
        reference = body.get("id")
        if not isinstance(reference, str) or not reference:
            raise VendorFailed(VENDOR, "answer without id")
        return reference

    async def close(self) -> None:
        await self._http.close()


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
