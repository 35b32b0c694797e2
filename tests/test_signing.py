"""smlog.signing: both vendors' schemes sign, verify, and refuse what they must."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smlog.signing import (
    VOXOLOGY_SIGNATURE_HEADER,
    VOXOLOGY_TIMESTAMP_HEADER,
    SignatureError,
    mailgun_signature,
    sign_mailgun,
    sign_voxology,
    verify_mailgun,
    verify_voxology,
    voxology_signature,
)

NOW = 1_764_300_000.0
BODY = b'{"event_id":"EV1","call_id":"CA1","status":"completed","digits":"0"}'
URL = "http://127.0.0.1:8082/webhooks/voxology/call?attempt_id=7"
TARGET = "/webhooks/voxology/call?attempt_id=7"


def test_voxology_scheme_is_hmac_sha256_over_timestamp_target_and_body() -> None:
    message = f"1764300000.{TARGET}.".encode() + BODY
    expected = hmac.new(b"s3cret", message, hashlib.sha256).hexdigest()
    assert voxology_signature("s3cret", 1764300000, TARGET, BODY) == "v1=" + expected
    headers = sign_voxology("s3cret", BODY, url=URL, now=NOW)
    assert headers == {
        VOXOLOGY_TIMESTAMP_HEADER: "1764300000",
        VOXOLOGY_SIGNATURE_HEADER: "v1=" + expected,
    }


def test_voxology_verifies_and_refuses() -> None:
    headers = sign_voxology("s3cret", BODY, url=URL, now=NOW)
    ts, sig = headers[VOXOLOGY_TIMESTAMP_HEADER], headers[VOXOLOGY_SIGNATURE_HEADER]
    verify_voxology("s3cret", BODY, ts, sig, target=TARGET, now=NOW + 299)
    verify_voxology(b"s3cret", BODY, ts, f"v1=00ff, {sig}", target=TARGET, now=NOW)  # rotation
    with pytest.raises(SignatureError) as other_attempt:
        verify_voxology("s3cret", BODY, ts, sig, target=TARGET.replace("=7", "=8"), now=NOW)
    assert other_attempt.value.reason == "mismatch"
    cases = [
        ("wrong", BODY, ts, sig, NOW, "mismatch"),
        ("s3cret", BODY + b" ", ts, sig, NOW, "mismatch"),
        ("s3cret", BODY, ts, sig, NOW + 301, "stale"),
        ("s3cret", BODY, ts, sig, NOW - 301, "stale"),
        ("s3cret", BODY, None, sig, NOW, "missing"),
        ("s3cret", BODY, ts, "", NOW, "missing"),
        ("s3cret", BODY, "soon", sig, NOW, "malformed"),
        ("s3cret", BODY, "¹²³", sig, NOW, "malformed"),
        ("s3cret", BODY, ts, sig.removeprefix("v1="), NOW, "malformed"),
        ("s3cret", BODY, ts, "v1=" + "a" * 1000, NOW, "malformed"),
    ]
    for secret, body, timestamp, signature, now, reason in cases:
        with pytest.raises(SignatureError) as caught:
            verify_voxology(secret, body, timestamp, signature, target=TARGET, now=now)
        assert caught.value.reason == reason


def test_mailgun_scheme_is_hmac_sha256_over_timestamp_and_token() -> None:
    token = "ab" * 25
    expected = hmac.new(b"key", f"1764300000{token}".encode(), hashlib.sha256).hexdigest()
    assert mailgun_signature("key", "1764300000", token) == expected
    signed = sign_mailgun("key", now=NOW, token=token)
    assert signed == {"timestamp": "1764300000", "token": token, "signature": expected}
    assert len(sign_mailgun("key")["token"]) == 50


def test_mailgun_verifies_and_refuses() -> None:
    signed = sign_mailgun("key", now=NOW)
    verify_mailgun("key", signed, now=NOW)
    verify_mailgun("key", {**signed, "timestamp": int(signed["timestamp"])}, now=NOW)
    cases: list[tuple[object, str]] = [
        ({**signed, "signature": "0" * 64}, "mismatch"),
        ({**signed, "token": "other"}, "mismatch"),
        ({k: v for k, v in signed.items() if k != "token"}, "missing"),
        (None, "missing"),
        ({**signed, "token": 5}, "malformed"),
        ({**signed, "timestamp": "1.5"}, "malformed"),
        ({**signed, "token": "x" * 600}, "malformed"),
    ]
    for signature, reason in cases:
        with pytest.raises(SignatureError) as caught:
            verify_mailgun("key", signature, now=NOW)  # type: ignore[arg-type]
        assert caught.value.reason == reason
    with pytest.raises(SignatureError, match="stale"):
        verify_mailgun("key", signed, now=NOW + 301)
    with pytest.raises(SignatureError, match="mismatch"):
        verify_mailgun("other-key", signed, now=NOW)
    with pytest.raises(ValueError, match="empty"):
        sign_mailgun("")


@given(body=st.binary(max_size=2000), secret=st.text(min_size=1, max_size=40))
def test_any_body_round_trips_and_any_change_is_caught(body: bytes, secret: str) -> None:
    headers = sign_voxology(secret, body, url=URL, now=NOW)
    ts, sig = headers[VOXOLOGY_TIMESTAMP_HEADER], headers[VOXOLOGY_SIGNATURE_HEADER]
    verify_voxology(secret, body, ts, sig, target=TARGET, now=NOW)
    with pytest.raises(SignatureError):
        verify_voxology(secret, body + b"x", ts, sig, target=TARGET, now=NOW)
