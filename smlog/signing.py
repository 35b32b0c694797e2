"""Webhook signing schemes of the two vendors, shared by the simulators (sign) and the status
service (verify). Pure standard library; see ``docs/vendor-apis.md`` for the schemes.

Voxology signs the request target (path and query of the callback URL) and the raw body::

    X-Voxology-Timestamp: <unix seconds>
    X-Voxology-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<path?query>." + raw body)>

Mailgun signs a timestamp and a random token, carried inside the JSON body::

    {"signature": {"timestamp": "<unix s>", "token": "<50 hex>",
                   "signature": "<hex HMAC-SHA256(signing key, timestamp + token)>"}, ...}

Verification compares in constant time and refuses timestamps more than ``tolerance_s`` away
from the receiver's clock. Replay protection (an ``event_id`` or ``token`` seen before) needs
storage, so it is the receiver's job: for Voxology the signature *we computed* and found in
the header (it covers the timestamp, the target and the body; a retry is signed afresh), never
the raw header, which may carry extra ``v1=`` values; the token for Mailgun.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_TOLERANCE_S",
    "VOXOLOGY_SIGNATURE_HEADER",
    "VOXOLOGY_TIMESTAMP_HEADER",
    "SignatureError",
    "mailgun_signature",
    "request_target",
    "sign_mailgun",
    "sign_voxology",
    "verify_mailgun",
    "verify_voxology",
    "voxology_signature",
]

VOXOLOGY_TIMESTAMP_HEADER = "X-Voxology-Timestamp"
VOXOLOGY_SIGNATURE_HEADER = "X-Voxology-Signature"
DEFAULT_TOLERANCE_S = 300.0
_VOXOLOGY_VERSION = "v1="
_MAX_FIELD_LEN = 512


class SignatureError(ValueError):
    """A webhook whose signature is missing, malformed, stale or wrong.

    ``reason`` is one of ``missing``, ``malformed``, ``stale`` or ``mismatch``: safe to log
    and to use as a metric label.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def _key_bytes(key: str | bytes) -> bytes:
    if isinstance(key, str):
        key = key.encode()
    if not key:
        raise ValueError("the signing key must not be empty")
    return key


def _hmac_hex(key: str | bytes, message: bytes) -> str:
    return hmac.new(_key_bytes(key), message, hashlib.sha256).hexdigest()


def _check_timestamp(raw: str, now: float | None, tolerance_s: float) -> None:
    if len(raw) > 20 or not (raw.isascii() and raw.isdigit()):
        raise SignatureError("malformed", "timestamp is not unix seconds")
    current = time.time() if now is None else now
    if abs(current - int(raw)) > tolerance_s:
        raise SignatureError("stale", f"timestamp more than {tolerance_s:g} s from our clock")


def request_target(url: str) -> str:
    """The path and query of ``url`` as signed: ``/webhooks/voxology/call?attempt_id=7``."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def voxology_signature(secret: str | bytes, timestamp: int | str, target: str, body: bytes) -> str:
    """The ``X-Voxology-Signature`` value for ``body`` posted to ``target`` (path and query)
    at ``timestamp``: ``v1=<hex HMAC-SHA256(secret, "<timestamp>.<target>." + body)>``."""
    message = f"{timestamp}.{target}.".encode() + body
    return _VOXOLOGY_VERSION + _hmac_hex(secret, message)


def sign_voxology(
    secret: str | bytes, body: bytes, *, url: str, now: float | None = None
) -> dict[str, str]:
    """Headers that sign ``body`` (the exact bytes to be posted) to ``url`` at ``now``.

    The URL's path and query are signed too, as Twilio signs the full URL: our attempt id
    travels in the callback URL, so a captured callback cannot be re-posted for another one.
    """
    timestamp = int(time.time() if now is None else now)
    return {
        VOXOLOGY_TIMESTAMP_HEADER: str(timestamp),
        VOXOLOGY_SIGNATURE_HEADER: voxology_signature(secret, timestamp, request_target(url), body),
    }


def verify_voxology(
    secret: str | bytes,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    *,
    target: str,
    now: float | None = None,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> str:
    """Raise :class:`SignatureError` unless ``signature`` signs ``body`` posted to ``target``
    (the request's raw path and query) at ``timestamp``; return the verified ``v1=`` value.

    ``timestamp`` and ``signature`` are the raw header values (``None`` when absent). The
    signature header may hold several comma-separated ``v1=`` values (key rotation on the
    vendor's side); one match is enough. Key replays on the returned value, not on the raw
    header: appending ``,v1=00`` to a captured header must not make it a new request.
    """
    if not timestamp or not signature:
        raise SignatureError("missing", "X-Voxology-Timestamp and X-Voxology-Signature required")
    if len(signature) > _MAX_FIELD_LEN:
        raise SignatureError("malformed", "signature header too long")
    _check_timestamp(timestamp.strip(), now, tolerance_s)
    expected = voxology_signature(secret, timestamp.strip(), target, body)
    candidates = [part.strip() for part in signature.split(",")]
    if not any(part.startswith(_VOXOLOGY_VERSION) for part in candidates):
        raise SignatureError("malformed", "no v1= signature")
    matched = False
    for part in candidates:
        matched |= hmac.compare_digest(part.encode(), expected.encode())
    if not matched:
        raise SignatureError("mismatch", "signature does not match the request")
    return expected


def mailgun_signature(signing_key: str | bytes, timestamp: str, token: str) -> str:
    """Hex HMAC-SHA256 of ``timestamp + token`` with the webhook signing key."""
    return _hmac_hex(signing_key, (timestamp + token).encode())


def sign_mailgun(
    signing_key: str | bytes, *, now: float | None = None, token: str | None = None
) -> dict[str, str]:
    """A Mailgun ``signature`` object: ``{"timestamp", "token", "signature"}``."""
    timestamp = str(int(time.time() if now is None else now))
    token = secrets.token_hex(25) if token is None else token
    return {
        "timestamp": timestamp,
        "token": token,
        "signature": mailgun_signature(signing_key, timestamp, token),
    }


def verify_mailgun(
    signing_key: str | bytes,
    signature: Mapping[str, object] | None,
    *,
    now: float | None = None,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> None:
    """Raise :class:`SignatureError` unless the webhook's ``signature`` object is valid."""
    if not isinstance(signature, Mapping):
        raise SignatureError("missing", "no signature object")
    timestamp = signature.get("timestamp")
    token = signature.get("token")
    given = signature.get("signature")
    if timestamp is None or token is None or given is None:
        raise SignatureError("missing", "signature needs timestamp, token and signature")
    if isinstance(timestamp, int) and not isinstance(timestamp, bool):
        timestamp = str(timestamp)
    if not (isinstance(timestamp, str) and isinstance(token, str) and isinstance(given, str)):
        raise SignatureError("malformed", "signature fields must be strings")
    if len(token) > _MAX_FIELD_LEN or len(given) > _MAX_FIELD_LEN:
        raise SignatureError("malformed", "signature field too long")
    _check_timestamp(timestamp, now, tolerance_s)
    expected = mailgun_signature(signing_key, timestamp, token)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise SignatureError("mismatch", "signature does not match timestamp and token")
