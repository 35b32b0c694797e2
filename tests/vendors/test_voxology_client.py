"""VoxologyClient against an in-process fake that follows docs/vendor-apis.md."""

from __future__ import annotations

import pytest

from smlog.config import Settings
from smlog.vendors import VendorFailed, VendorRejected, VoxologyClient
from tests.vendors.fake_vendor import FakeVendor, Forced


def _client(settings: Settings, fake: FakeVendor, **changes: object) -> VoxologyClient:
    base = dict(
        voxology_url=fake.url,
        vendor_backoff_initial_seconds=0.001,
        vendor_backoff_max_seconds=0.01,
        vendor_max_retries=3,
        vendor_timeout_seconds=0.5,
    )
    base.update(changes)
    return VoxologyClient(settings.replace(**base))


async def test_place_call_sends_the_contract(settings: Settings, fake_vendor: FakeVendor) -> None:
    client = _client(settings, fake_vendor)
    try:
        call_id = await client.place_call(
            to="+15555550100",
            extension="12",
            say="School closed",
            idempotency_key="smlog-a7",
            status_callback="http://status/webhooks/voxology/call?attempt_id=7",
        )
    finally:
        await client.close()
    assert call_id.startswith("CA")
    path, body, headers = fake_vendor.requests[0]
    assert path == "/v1/calls"
    assert body["to"] == "+15555550100"
    assert body["extension"] == "12"
    assert body["from"] == settings.voxology_from_number
    assert body["status_callback"].endswith("attempt_id=7")
    assert headers["Idempotency-Key"] == "smlog-a7"
    assert headers["Authorization"] == f"Bearer {settings.voxology_api_key}"


async def test_send_text_without_extension(settings: Settings, fake_vendor: FakeVendor) -> None:
    client = _client(settings, fake_vendor)
    try:
        message_id = await client.send_text(
            to="+15555550101", body="hi", idempotency_key="smlog-a8", status_callback="http://s/x"
        )
    finally:
        await client.close()
    assert message_id.startswith("SM")
    path, body, _ = fake_vendor.requests[0]
    assert path == "/v1/messages"
    assert "extension" not in body


async def test_400_is_final_and_not_retried(settings: Settings, fake_vendor: FakeVendor) -> None:
    fake_vendor.script = [
        Forced(400, {"error": {"code": "invalid_number", "message": "bad to"}}),
        Forced(201, {"call_id": "CAx"}),
    ]
    client = _client(settings, fake_vendor)
    with pytest.raises(VendorRejected) as info:
        await client.place_call(
            to="+1", extension="", say="x", idempotency_key="k", status_callback="http://s/x"
        )
    await client.close()
    assert info.value.code == "invalid_number"
    assert info.value.http_status == 400
    assert len(fake_vendor.requests) == 1


async def test_5xx_then_success_retries_with_the_same_key(
    settings: Settings, fake_vendor: FakeVendor
) -> None:
    fake_vendor.script = [Forced(500, {"error": {"code": "internal"}}), Forced(503)]
    client = _client(settings, fake_vendor)
    call_id = await client.place_call(
        to="+15555550100", extension="", say="x", idempotency_key="k1", status_callback="http://s"
    )
    await client.close()
    assert call_id.startswith("CA")
    keys = [headers["Idempotency-Key"] for _, _, headers in fake_vendor.requests]
    assert keys == ["k1", "k1", "k1"]


async def test_5xx_exhausted_is_vendor_failed(settings: Settings, fake_vendor: FakeVendor) -> None:
    fake_vendor.script = [Forced(500)] * 4
    client = _client(settings, fake_vendor)
    with pytest.raises(VendorFailed) as info:
        await client.send_text(
            to="+15555550100", body="x", idempotency_key="k", status_callback="h"
        )
    await client.close()
    assert info.value.http_status == 500
    assert len(fake_vendor.requests) == 4


async def test_429_honours_retry_after(settings: Settings, fake_vendor: FakeVendor) -> None:
    fake_vendor.script = [Forced(429, headers={"Retry-After": "0.05"})]
    client = _client(settings, fake_vendor, vendor_backoff_initial_seconds=5.0)
    text_id = await client.send_text(
        to="+15555550100", body="x", idempotency_key="k", status_callback="http://s"
    )
    await client.close()
    assert text_id.startswith("SM")
    assert len(fake_vendor.requests) == 2


async def test_429_exhausted_carries_retry_after(
    settings: Settings, fake_vendor: FakeVendor
) -> None:
    """Dispatch holds the request at least that long before its next try."""
    fake_vendor.script = [Forced(429, headers={"Retry-After": "7"})] * 2
    client = _client(settings, fake_vendor, vendor_max_retries=0)
    with pytest.raises(VendorFailed) as info:
        await client.send_text(
            to="+15555550100", body="x", idempotency_key="k", status_callback="h"
        )
    await client.close()
    assert (info.value.http_status, info.value.retry_after) == (429, 7.0)
    assert len(fake_vendor.requests) == 1


async def test_timeout_is_retried_then_fails(settings: Settings, fake_vendor: FakeVendor) -> None:
    fake_vendor.script = [Forced(201, delay=0.3)] * 2
    client = _client(settings, fake_vendor, vendor_timeout_seconds=0.05, vendor_max_retries=1)
    with pytest.raises(VendorFailed) as info:
        await client.place_call(
            to="+15555550100", extension="", say="x", idempotency_key="k", status_callback="h"
        )
    await client.close()
    assert info.value.reason == "timeout"
    assert info.value.code == "timeout"
