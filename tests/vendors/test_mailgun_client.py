"""MailgunClient against an in-process fake that follows docs/vendor-apis.md."""

from __future__ import annotations

import base64

import pytest

from smlog.config import Settings
from smlog.vendors import EmailRecipient, MailgunClient, VendorRejected
from tests.vendors.fake_vendor import FakeVendor, Forced, form_json


def _client(settings: Settings, fake: FakeVendor) -> MailgunClient:
    return MailgunClient(
        settings.replace(
            mailgun_url=fake.url, vendor_backoff_initial_seconds=0.001, vendor_max_retries=2
        )
    )


async def test_batch_carries_recipient_variables(
    settings: Settings, fake_vendor: FakeVendor
) -> None:
    client = _client(settings, fake_vendor)
    recipients = [EmailRecipient(f"p{i}@example.org", 100 + i) for i in range(3)]
    reference = await client.send_batch(
        recipients=recipients, subject="Snow day", text="No school", idempotency_key="smlog-e100-3"
    )
    await client.close()
    assert reference.endswith("@mg.smlog.test>")
    path, body, headers = fake_vendor.requests[0]
    assert path == f"/v3/{settings.mailgun_domain}/messages"
    assert body["to"] == [r.address for r in recipients]
    assert form_json(body, "recipient-variables") == {
        "p0@example.org": {"attempt_id": 100},
        "p1@example.org": {"attempt_id": 101},
        "p2@example.org": {"attempt_id": 102},
    }
    assert body["v:attempt_id"] == ["%recipient.attempt_id%"]
    assert body["h:Idempotency-Key"] == ["smlog-e100-3"]
    assert headers["Idempotency-Key"] == "smlog-e100-3"
    expected = base64.b64encode(f"api:{settings.mailgun_api_key}".encode()).decode()
    assert headers["Authorization"] == f"Basic {expected}"


async def test_batch_limits(settings: Settings, fake_vendor: FakeVendor) -> None:
    client = _client(settings, fake_vendor)
    too_many = [EmailRecipient(f"p{i}@example.org", i) for i in range(1001)]
    with pytest.raises(ValueError, match="at most 1000"):
        await client.send_batch(recipients=too_many, subject="s", text="t", idempotency_key="k")
    twice = [EmailRecipient("a@example.org", 1), EmailRecipient("a@example.org", 2)]
    with pytest.raises(ValueError, match="same address"):
        await client.send_batch(recipients=twice, subject="s", text="t", idempotency_key="k")
    await client.close()
    assert fake_vendor.requests == []


async def test_400_is_rejected(settings: Settings, fake_vendor: FakeVendor) -> None:
    fake_vendor.script = [Forced(400, {"message": "'to' parameter is not a valid address"})]
    client = _client(settings, fake_vendor)
    with pytest.raises(VendorRejected) as info:
        await client.send_batch(
            recipients=[EmailRecipient("x@example.org", 1)],
            subject="s",
            text="t",
            idempotency_key="k",
        )
    await client.close()
    assert "not a valid address" in info.value.detail
