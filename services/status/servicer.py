"""The StatusService gRPC API: batches of already-normalized events through the same state
machine as the webhooks, and the event history of one attempt."""

from __future__ import annotations

from typing import Any

from smlog.auth import Right, current_caller
from smlog.clock import now_us, to_timestamp
from smlog.domain import STATUS_GROUPS
from smlog.errors import InvalidArgumentError, NotFoundError
from smlog.readmodel import load_visible_message, mask_detail, viewer_of
from smlog.services.status import metrics
from smlog.services.status.applier import apply_events
from smlog.services.status.events import KEY_INGEST, Disposition, StatusEvent, event_id_of
from smlog.services.status.notifier import OutcomeNotifier
from smlog.services.status.payloads import MAX_CODE_LEN, MAX_DETAIL_LEN, MAX_ID_LEN
from smlog.store import Database
from smlog.v1 import status_pb2, status_pb2_grpc

__all__ = ["MAX_EVENTS_PER_CALL", "StatusServicer"]

MAX_EVENTS_PER_CALL = 10_000
MAX_HISTORY = 1000
_MAX_SOURCE_LEN = 64


def _normalize(index: int, e: status_pb2.StatusEvent, now: int) -> StatusEvent | str:
    """The event, or why it is refused."""
    if not e.event_id:
        return "event_id: required"
    if len(e.event_id) > MAX_ID_LEN:
        return f"event_id: longer than {MAX_ID_LEN} characters"
    if e.attempt_id <= 0:
        return "attempt_id: must be positive"
    if e.status not in STATUS_GROUPS:
        return "status: unknown or unspecified DeviceStatus"
    return StatusEvent(
        event_key=KEY_INGEST + e.event_id,
        attempt_id=e.attempt_id,
        status=int(e.status),
        event_time=(
            e.event_time.seconds * 1_000_000 + e.event_time.nanos // 1000
            if e.HasField("event_time")
            else now
        ),
        vendor_code=e.vendor_code[:MAX_CODE_LEN],
        vendor_detail=e.vendor_detail[:MAX_DETAIL_LEN],
        source=(e.source or "grpc")[:_MAX_SOURCE_LEN],
    )


class StatusServicer(status_pb2_grpc.StatusServiceServicer):
    def __init__(self, db: Database, notifier: OutcomeNotifier) -> None:
        self._db = db
        self._notifier = notifier

    async def IngestEvents(
        self, request: status_pb2.IngestEventsRequest, context: Any
    ) -> status_pb2.IngestEventsResponse:
        current_caller().require_service("ingest status events")
        if len(request.events) > MAX_EVENTS_PER_CALL:
            raise InvalidArgumentError(
                "events",
                f"at most {MAX_EVENTS_PER_CALL:,} events per call, got {len(request.events):,}",
            )
        now = now_us()
        response = status_pb2.IngestEventsResponse()
        events: list[StatusEvent] = []
        for index, raw in enumerate(request.events):
            normalized = _normalize(index, raw, now)
            if isinstance(normalized, str):
                response.rejected.add(index=index, reason=normalized)
            else:
                events.append(normalized)
        if response.rejected:
            metrics.REJECTED.labels("grpc", "invalid_event").inc(len(response.rejected))
        if not events:
            return response
        async with self._db.transaction() as tx:
            result = await apply_events(tx, events, now)
        metrics.observe_applied(events, result.dispositions, now)
        self._notifier.offer(result.outcomes)
        response.applied_count = result.count(Disposition.APPLIED)
        response.ignored_count = result.count(Disposition.DUPLICATE) + result.count(
            Disposition.STALE
        )
        response.parked_count = result.count(Disposition.PARKED)
        return response

    async def ListAttemptEvents(
        self, request: status_pb2.ListAttemptEventsRequest, context: Any
    ) -> status_pb2.ListAttemptEventsResponse:
        caller = current_caller()
        if request.attempt_id <= 0:
            raise InvalidArgumentError("attempt_id", "must be positive")
        attempt = await self._db.fetch_one(
            "SELECT a.status, a.message_id FROM attempts a WHERE a.id = ?", (request.attempt_id,)
        )
        if not caller.is_service:
            # The log's rules decide: district, My/All Messages and the message type's right;
            # an attempt of a message the caller may not see does not exist for them.
            viewer = viewer_of(caller)
            try:
                if attempt is not None:
                    await load_visible_message(self._db, viewer, int(attempt[1]))
            except NotFoundError:
                attempt = None
        if attempt is None:
            raise NotFoundError(f"attempt {request.attempt_id} not found")
        # Vendor detail may quote the address: masked unless the caller may see devices.
        full = caller.has(Right.VIEW_DEVICE_DETAILS)
        rows = await self._db.fetch_all(
            "SELECT event_key, status, event_time, applied_time, vendor_code, vendor_detail,"
            " source, changed_status FROM attempt_events WHERE attempt_id = ? ORDER BY id LIMIT ?",
            (request.attempt_id, MAX_HISTORY),
        )
        return status_pb2.ListAttemptEventsResponse(
            attempt_id=request.attempt_id,
            status=int(attempt[0]),  # type: ignore[arg-type]
            events=[
                status_pb2.AttemptEvent(
                    event_id=event_id_of(str(r[0])),
                    status=int(r[1]),  # type: ignore[arg-type]
                    event_time=to_timestamp(int(r[2])),
                    applied_time=to_timestamp(int(r[3])),
                    vendor_code=str(r[4]),
                    vendor_detail=str(r[5]) if full else mask_detail(str(r[5])),
                    source=str(r[6]),
                    changed_status=bool(r[7]),
                )
                for r in rows
            ],
        )
