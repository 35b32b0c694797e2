"""The Sent Message Log 2.0 gRPC API over the shared read side (``smlog.readmodel``)."""

from __future__ import annotations

from typing import Any

from grpc import aio

from smlog.auth import current_caller
from smlog.clock import to_timestamp
from smlog.domain import status_group
from smlog.errors import NotFoundError
from smlog.readmodel import (
    DeliveryQuery,
    DeliveryRow,
    PageTokens,
    list_messages,
    message_detail,
    message_filter,
    page_size,
    viewer_of,
)
from smlog.readmodel.districts import load_district
from smlog.readmodel.filters import district_zone
from smlog.readmodel.resends import resend_origins
from smlog.readmodel.search import DeliverySearch, SearchHit
from smlog.store import Database
from smlog.v1 import common_pb2, log_pb2, log_pb2_grpc

Context = aio.ServicerContext[Any, Any]

MESSAGES_PAGE_DEFAULT, MESSAGES_PAGE_MAX = 50, 500
DELIVERIES_PAGE_DEFAULT, DELIVERIES_PAGE_MAX = 100, 1000
SEARCH_PAGE_DEFAULT, SEARCH_PAGE_MAX = 50, 500


def delivery_message(row: DeliveryRow) -> log_pb2.Delivery:
    return log_pb2.Delivery(
        target_id=row.target_id,
        recipient_name=row.recipient_name,
        student_name=row.student_name,
        delivery_mode=row.mode,  # type: ignore[arg-type]
        device=row.device,
        status=row.status,  # type: ignore[arg-type]
        status_group=status_group(row.status),  # type: ignore[arg-type]
        status_time=to_timestamp(row.status_time_us),
        vendor_detail=row.vendor_detail,
        attempt_count=row.attempt_count,
    )


def hit_message(hit: SearchHit) -> log_pb2.DeliveryHit:
    return log_pb2.DeliveryHit(
        message_id=hit.message_id,
        subject=hit.subject,
        sent_time=to_timestamp(hit.sent_time_us),
        delivery=delivery_message(hit.delivery),
    )


class LogServicer(log_pb2_grpc.SentMessageLogServiceServicer):
    def __init__(self, db: Database, tokens: PageTokens) -> None:
        self._db = db
        self._tokens = tokens

    async def ListMessages(
        self, request: log_pb2.ListMessagesRequest, context: Context
    ) -> log_pb2.ListMessagesResponse:
        viewer = viewer_of(current_caller())
        size = page_size(
            request.page_size, default=MESSAGES_PAGE_DEFAULT, maximum=MESSAGES_PAGE_MAX
        )
        scope, flt = await message_filter(self._db, viewer, request)
        token_context = ["messages", viewer.user_id, viewer.district_id, *flt.key()]
        after = None
        if request.page_token:
            sent, last_id = self._tokens.decode(request.page_token, token_context, 2)
            after = (sent, last_id)
        page = await list_messages(self._db, flt, after, size)
        origins = await resend_origins(self._db, viewer, [m.message_id for m in page.messages])
        for summary in page.messages:
            summary.resend_of = origins.get(summary.message_id, 0)
        zone = await district_zone(self._db, viewer.district_id)
        return log_pb2.ListMessagesResponse(
            messages=page.messages,
            next_page_token=(
                self._tokens.encode(token_context, page.next_position) if page.next_position else ""
            ),
            total_size=page.total_size,
            total_size_capped=page.total_size_capped,
            scope=scope,  # type: ignore[arg-type]
            filterable_message_types=viewer.types,  # type: ignore[arg-type]
            time_zone=zone.key,
        )

    async def GetMessage(
        self, request: log_pb2.GetMessageRequest, context: Context
    ) -> log_pb2.GetMessageResponse:
        viewer = viewer_of(current_caller())
        detail = await message_detail(self._db, viewer, request.message_id)
        return log_pb2.GetMessageResponse(message=detail)

    async def GetDistrict(
        self, request: common_pb2.GetDistrictRequest, context: Context
    ) -> common_pb2.GetDistrictResponse:
        viewer = viewer_of(current_caller())  # the log's rights
        district_id = request.district_id or viewer.district_id
        found = None
        if district_id == viewer.district_id:  # another district does not exist for them
            found = await load_district(self._db, district_id)
        if found is None:
            raise NotFoundError(f"district {district_id} is not set up")
        district, calendars = found
        return common_pb2.GetDistrictResponse(district=district, calendars=calendars)

    async def ListDeliveries(
        self, request: log_pb2.ListDeliveriesRequest, context: Context
    ) -> log_pb2.ListDeliveriesResponse:
        viewer = viewer_of(current_caller())
        size = page_size(
            request.page_size, default=DELIVERIES_PAGE_DEFAULT, maximum=DELIVERIES_PAGE_MAX
        )
        query = await DeliveryQuery.open(
            self._db,
            viewer,
            request.message_id,
            list(request.delivery_modes),
            list(request.statuses),
            full_devices=request.show_full_devices,
        )
        token_context = ["deliveries", viewer.user_id, viewer.district_id, *query.key()]
        after_id = 0
        if request.page_token:
            (after_id,) = self._tokens.decode(request.page_token, token_context, 1)
        rows, more = await query.page(after_id, size)
        total = await query.count()
        return log_pb2.ListDeliveriesResponse(
            deliveries=[delivery_message(r) for r in rows],
            next_page_token=(
                self._tokens.encode(token_context, [rows[-1].target_id]) if more and rows else ""
            ),
            total_size=total,
        )

    async def SearchDeliveries(
        self, request: log_pb2.SearchDeliveriesRequest, context: Context
    ) -> log_pb2.SearchDeliveriesResponse:
        viewer = viewer_of(current_caller())
        size = page_size(request.page_size, default=SEARCH_PAGE_DEFAULT, maximum=SEARCH_PAGE_MAX)
        search = await DeliverySearch.open(self._db, viewer, request)
        token_context = ["search", viewer.user_id, viewer.district_id, *search.key()]
        after = None
        if request.page_token:
            message_id, target_id = self._tokens.decode(request.page_token, token_context, 2)
            after = (message_id, target_id)
        hits, last = await search.page(self._db, self._db.dialect, after, size)
        zone = await district_zone(self._db, viewer.district_id)
        return log_pb2.SearchDeliveriesResponse(
            hits=[hit_message(h) for h in hits],
            next_page_token=self._tokens.encode(token_context, last) if last else "",
            time_zone=zone.key,
        )
