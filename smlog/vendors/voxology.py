"""Voxology: voice calls and texts over its HTTP API (docs/vendor-apis.md)."""

from __future__ import annotations

from typing import Any

import aiohttp

from smlog.config import Settings
from smlog.vendors.base import TextClient, VendorFailed, VoiceClient
from smlog.vendors.http import RetryPolicy, VendorHttp

__all__ = ["VoxologyClient"]

VENDOR = "voxology"


class VoxologyClient(VoiceClient, TextClient):
    """Places calls (``POST /v1/calls``) and sends texts (``POST /v1/messages``).

    Every request carries the caller's idempotency key, so a retry (or a re-send after a
    restart) never places a second call or sends a second text.
    """

    def __init__(
        self,
        settings: Settings,
        session: aiohttp.ClientSession | None = None,
        *,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._from = settings.voxology_from_number
        self._http = VendorHttp(
            VENDOR,
            settings.voxology_url,
            policy or RetryPolicy.from_settings(settings),
            headers={"Authorization": f"Bearer {settings.voxology_api_key}"},
            connections=settings.voxology_concurrency,
            session=session,
        )

    async def place_call(
        self,
        *,
        to: str,
        extension: str,
        say: str,
        idempotency_key: str,
        status_callback: str,
        from_: str | None = None,
    ) -> str:
        payload: dict[str, Any] = {
            "to": to,
            "from": from_ or self._from,
            "say": say,
            "status_callback": status_callback,
        }
        if extension:
            payload["extension"] = extension
        body = await self._http.post(
            "/v1/calls", "place_call", headers={"Idempotency-Key": idempotency_key}, json=payload
        )
        return _reference(body, "call_id")

    async def send_text(
        self,
        *,
        to: str,
        body: str,
        idempotency_key: str,
        status_callback: str,
        from_: str | None = None,
    ) -> str:
        payload = {
            "to": to,
            "from": from_ or self._from,
            "body": body,
            "status_callback": status_callback,
        }
        answer = await self._http.post(
            "/v1/messages", "send_text", headers={"Idempotency-Key": idempotency_key}, json=payload
        )
        return _reference(answer, "message_id")

    async def close(self) -> None:
        await self._http.close()


def _reference(body: dict[str, Any], field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value:
        raise VendorFailed(VENDOR, f"answer without {field}")
    return value
