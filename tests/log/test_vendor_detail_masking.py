"""Vendor detail that quotes the address (real bounce texts do) is masked for a caller who
may not see devices, in the log and in the report, and shown whole with the right."""

from __future__ import annotations

import pytest

from smlog.readmodel import mask_detail
from smlog.v1.log_pb2 import ListDeliveriesRequest
from tests.support.builders import (
    EMAIL,
    GENERAL,
    T0,
    TEXT,
    VOICE,
    Device,
    Person,
    add_campaign,
    add_district,
)
from tests.support.log import LogEnv
from tests.support.rights import FULL

BOUNCE = "550 5.1.1 <jane.doe@example.org>: Recipient address rejected: User unknown"
CARRIER = "30003: Unreachable destination handset +1 (555) 555-0199 (carrier rejected)"


@pytest.mark.parametrize(
    ("detail", "masked"),
    [
        (BOUNCE, "550 5.1.1 <j***@example.org>: Recipient address rejected: User unknown"),
        (CARRIER, "30003: Unreachable destination handset ***-0199 (carrier rejected)"),
        ("smtp;550 jane@x.org", "smtp;550 j***@x.org"),
        ("to 15555550123 failed", "to ***-0123 failed"),
        ("to +44 20 7946 0958", "to ***-0958"),
        ("mailto:jane@x.org,bob@y.org", "mailto:j***@x.org,b***@y.org"),
        ("500: upstream", "500: upstream"),
        ("550 5.1.1 mailbox unavailable", "550 5.1.1 mailbox unavailable"),
        ("", ""),
    ],
)
def test_mask_detail(detail: str, masked: str) -> None:
    assert mask_detail(detail) == masked


async def test_list_deliveries_masks_addresses_inside_vendor_detail(env: LogEnv) -> None:
    await add_district(env.db, 1)
    mid = await add_campaign(
        env.db,
        district_id=1,
        recipients=[
            Person(
                "Jane Doe",
                devices=[
                    Device(EMAIL, "jane.doe@example.org", ["failed"], vendor_detail=BOUNCE),
                    Device(TEXT, "+15555550199", ["undelivered"], vendor_detail=CARRIER),
                ],
            )
        ],
        modes=[EMAIL, VOICE, TEXT],
        sent_time=T0,
        created_by="alice",
        message_type=GENERAL,
        subject="Bounce",
    )
    request = ListDeliveriesRequest(message_id=mid)
    masked = await env.stub().ListDeliveries(request)
    details = [d.vendor_detail for d in masked.deliveries]
    assert details == [mask_detail(BOUNCE), mask_detail(CARRIER)]
    assert not any("jane.doe" in d or "555-0199" in d for d in details)
    # A caller with the right who asks for full devices sees the vendor's text as it came.
    full = await env.stub(rights=FULL).ListDeliveries(
        ListDeliveriesRequest(message_id=mid, show_full_devices=True)
    )
    assert [d.vendor_detail for d in full.deliveries] == [BOUNCE, CARRIER]
