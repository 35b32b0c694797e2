"""Opaque page tokens that cannot be forged or replayed under another filter, user or district.

A token is ``base64url(payload || mac)``: the payload is the keyset position (compact JSON of
integers) and the MAC is a truncated HMAC-SHA256 over the list kind, the viewer's user id and
district, a fingerprint of the effective filter and the payload. The key is derived from the
JWT secret. Nothing but the position travels in the token; everything else is re-derived from
the request, so a token only verifies for the exact request it was issued for (page_size may
change between pages, as AIP-158 allows).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence

from smlog.errors import InvalidArgumentError

_MAC_BYTES = 16
_MAX_TOKEN_CHARS = 512


def fingerprint(*parts: object) -> str:
    """A stable digest of the effective filter (JSON-serializable parts)."""
    text = json.dumps(parts, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


class PageTokens:
    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), b"smlog.readmodel.page-token.v1", "sha256").digest()

    def _mac(self, context: Sequence[object], payload: bytes) -> bytes:
        head = json.dumps(list(context), separators=(",", ":")).encode()
        return hmac.new(self._key, head + b"\n" + payload, "sha256").digest()[:_MAC_BYTES]

    def encode(self, context: Sequence[object], position: Sequence[int]) -> str:
        payload = json.dumps([int(p) for p in position], separators=(",", ":")).encode()
        raw = payload + self._mac(context, payload)
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, token: str, context: Sequence[object], length: int) -> list[int]:
        """The position in ``token``; INVALID_ARGUMENT ``page_token`` if it is malformed or
        was issued for another request, user or district."""
        if len(token) > _MAX_TOKEN_CHARS:
            raise InvalidArgumentError("page_token", "too long; pass next_page_token unchanged")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            raise InvalidArgumentError("page_token", "not a page token") from None
        payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        if len(raw) <= _MAC_BYTES or not hmac.compare_digest(mac, self._mac(context, payload)):
            raise InvalidArgumentError(
                "page_token",
                "not a token issued for this request (the filters, user or district differ,"
                " or it was altered); start again without a page_token",
            )
        try:
            position = json.loads(payload)
        except ValueError:
            raise InvalidArgumentError("page_token", "not a page token") from None
        if (
            not isinstance(position, list)
            or len(position) != length
            or not all(isinstance(p, int) and not isinstance(p, bool) for p in position)
        ):
            raise InvalidArgumentError("page_token", "not a page token")
        return position


def page_size(value: int, *, default: int, maximum: int) -> int:
    """AIP-158: 0 is the default, over the maximum is clamped, negative is INVALID_ARGUMENT."""
    if value < 0:
        raise InvalidArgumentError("page_size", "must not be negative")
    if value == 0:
        return default
    return min(value, maximum)
