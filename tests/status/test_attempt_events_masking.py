"""ListAttemptEvents masks addresses quoted in vendor detail for a district user without the
device-details right; with it (or as a service) the vendor's text comes whole."""

from __future__ import annotations

from smlog.config import Settings
from smlog.runtime import open_channel
from smlog.store import Database
from smlog.v1 import status_pb2, status_pb2_grpc
from smlog.v1.common_pb2 import DeviceStatus as S
from tests.status.helpers import VOICE, add_attempts
from tests.status.test_grpc import dispatch, event, service_token, target
from tests.support.builders import add_district
from tests.support.tokens import user_token

__all__ = ["dispatch", "target"]  # fixtures used here

DETAIL = "busy: called +1 555 555 0142, forwarded to jane@example.org"
MASKED = "busy: called ***-0142, forwarded to j***@example.org"


async def test_vendor_detail_is_masked_without_the_device_right(
    status_settings: Settings, db: Database, target: str
) -> None:
    await add_district(db)
    [a] = await add_attempts(db, VOICE)
    ingest = event("x1", a, S.DEVICE_STATUS_BUSY, 10)
    ingest.vendor_detail = DETAIL
    async with open_channel(target, token=service_token(status_settings)) as channel:
        stub = status_pb2_grpc.StatusServiceStub(channel)
        await stub.IngestEvents(status_pb2.IngestEventsRequest(events=[ingest]))
        reply = await stub.ListAttemptEvents(status_pb2.ListAttemptEventsRequest(attempt_id=a))
        assert [e.vendor_detail for e in reply.events] == [DETAIL]
    rights = ["sent_message_log", "all_messages", "type_general"]
    for extra, want in [([], MASKED), (["view_device_details"], DETAIL)]:
        token = user_token(status_settings, "u", 1, rights + extra)
        async with open_channel(target, token=token) as channel:
            stub = status_pb2_grpc.StatusServiceStub(channel)
            reply = await stub.ListAttemptEvents(status_pb2.ListAttemptEventsRequest(attempt_id=a))
            assert [e.vendor_detail for e in reply.events] == [want]
