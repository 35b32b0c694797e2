"""The DispatchService RPCs: thin handlers over validation, the store and the engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from grpc import aio

from smlog.auth import Caller, Right, current_caller
from smlog.auth.visibility import (
    is_creator,
    may_cancel,
    may_see,
    require_log_access,
    require_user,
)
from smlog.domain.modes import DEFAULT_DIAL_WINDOW
from smlog.errors import InvalidArgumentError, NotFoundError
from smlog.services.dispatch import accept
from smlog.services.dispatch.catalog import Catalog
from smlog.services.dispatch.clock import Clock
from smlog.services.dispatch.loops import Dispatcher
from smlog.services.dispatch.progress import load_progress
from smlog.services.dispatch.resend import resend_message
from smlog.services.dispatch.start import start_dispatch
from smlog.services.dispatch.validation import check_draft, check_recipients, check_sender
from smlog.services.dispatch.watch import ProgressWatch
from smlog.store import Database
from smlog.v1 import common_pb2, dispatch_pb2_grpc
from smlog.v1 import dispatch_pb2 as pb

__all__ = ["DispatchServicer"]

Context = aio.ServicerContext[Any, Any]


class DispatchServicer(dispatch_pb2_grpc.DispatchServiceServicer):
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        catalog: Catalog,
        engine: Dispatcher,
        watch: ProgressWatch,
    ) -> None:
        self._db = db
        self._clock = clock
        self._catalog = catalog
        self._engine = engine
        self._watch = watch

    async def CreateMessage(
        self, request: pb.CreateMessageRequest, context: Context
    ) -> pb.CreateMessageResponse:
        caller = current_caller()
        require_user(caller, "send messages")
        caller.require(Right.SEND_MESSAGES, "send messages")
        check_draft(request.message)
        check_sender(caller, request.message.message_type)
        message_id, status, created = await accept.create_message(
            self._db, caller, request.request_id.strip(), request.message, self._clock.now_us()
        )
        return pb.CreateMessageResponse(
            message_id=message_id,
            status=status,  # type: ignore[arg-type]
            created=created,
        )

    async def AddRecipients(
        self, request_iterator: AsyncIterator[pb.AddRecipientsRequest], context: Context
    ) -> pb.AddRecipientsResponse:
        caller = current_caller()
        require_user(caller, "add recipients")
        caller.require(Right.SEND_MESSAGES, "add recipients")
        message_id = 0
        received = 0
        added: list[str] = []
        total = 0
        batch = 0
        try:
            async for request in request_iterator:
                if batch == 0:
                    message_id = request.message_id
                    await self._sender_message(caller, message_id)
                elif request.message_id != message_id:
                    raise InvalidArgumentError(
                        "message_id", f"request {batch} of the stream names another message"
                    )
                check_recipients(request.recipients, batch)
                new, total = await accept.add_recipients(self._db, message_id, request.recipients)
                added += new
                received += len(request.recipients)
                batch += 1
        except InvalidArgumentError:
            if added:
                await accept.remove_recipients(self._db, message_id, added)
            raise
        if batch == 0:
            raise InvalidArgumentError("message_id", "the stream sent no request")
        return pb.AddRecipientsResponse(
            message_id=message_id,
            received_count=received,
            added_count=len(added),
            total_recipients=total,
        )

    async def StartDispatch(
        self, request: pb.StartDispatchRequest, context: Context
    ) -> pb.StartDispatchResponse:
        caller = current_caller()
        require_user(caller, "start dispatch")
        await self._sender_message(caller, request.message_id)
        if await start_dispatch(self._db, request.message_id, self._clock.now_us()):
            self._engine.wake()
            self._watch.hub.poke()
        progress = await load_progress(self._db, request.message_id, self._clock.now_us())
        return pb.StartDispatchResponse(progress=progress)

    async def CancelMessage(
        self, request: pb.CancelMessageRequest, context: Context
    ) -> pb.CancelMessageResponse:
        caller = current_caller()
        require_user(caller, "cancel messages")
        caller.require(Right.CANCEL_MESSAGES, "cancel messages")
        await accept.load_message(self._db, caller, request.message_id, may_cancel)
        count = await self._engine.cancel(request.message_id)
        self._watch.hub.poke()
        progress = await load_progress(self._db, request.message_id, self._clock.now_us())
        return pb.CancelMessageResponse(canceled_count=count, progress=progress)

    async def WatchMessage(
        self, request: pb.WatchMessageRequest, context: Context
    ) -> AsyncIterator[pb.WatchMessageResponse]:
        # The log's rules (GetMessage): PERMISSION_DENIED without the log's rights, NOT_FOUND
        # for a message the caller may not open there (drafts included).
        caller = current_caller()
        require_log_access(caller)
        await accept.load_message(self._db, caller, request.message_id, may_see)
        async for progress in self._watch.progress(caller, request.message_id):
            yield pb.WatchMessageResponse(progress=progress)

    async def UpsertDistrict(
        self, request: pb.UpsertDistrictRequest, context: Context
    ) -> pb.UpsertDistrictResponse:
        caller = current_caller()
        caller.require(Right.DISTRICT_ADMIN, "manage districts")
        short_code = await accept.upsert_district(
            self._db, caller, request.district, request.calendars
        )
        self._catalog.forget_district(request.district.district_id)
        district = pb.UpsertDistrictResponse(calendars=request.calendars)
        district.district.CopyFrom(request.district)
        district.district.sms_short_code = short_code
        if not district.district.dialing_window.end_minute:
            start, end = DEFAULT_DIAL_WINDOW
            district.district.dialing_window.start_minute = start
            district.district.dialing_window.end_minute = end
        return district

    async def GetDistrict(
        self, request: common_pb2.GetDistrictRequest, context: Context
    ) -> common_pb2.GetDistrictResponse:
        caller = current_caller()
        require_user(caller, "read district settings")
        district_id = request.district_id or caller.district_id
        if district_id != caller.district_id:  # another district does not exist for them
            raise NotFoundError(f"district {district_id} is not set up")
        district, calendars = await accept.get_district(self._db, district_id)
        return common_pb2.GetDistrictResponse(district=district, calendars=calendars)

    async def ReportAttemptOutcomes(
        self, request: pb.ReportAttemptOutcomesRequest, context: Context
    ) -> pb.ReportAttemptOutcomesResponse:
        """A nudge: the outbox in the store is the source of truth (docs/dispatch.md,
        "Outcomes"); the request's outcomes are not read."""
        current_caller().require_service("report attempt outcomes")
        self._engine.nudge()
        return pb.ReportAttemptOutcomesResponse(accepted_count=len(request.outcomes))

    async def ResendMessage(
        self, request: pb.ResendMessageRequest, context: Context
    ) -> pb.ResendMessageResponse:
        # send_messages and the type's right (check_sender), and the original visible under
        # the log's rule (NOT_FOUND otherwise); see services/dispatch/resend.py.
        caller = current_caller()
        require_user(caller, "resend messages")
        caller.require(Right.SEND_MESSAGES, "resend messages")
        original = await accept.load_message(self._db, caller, request.message_id, may_see)
        check_sender(caller, int(original["message_type"]))
        message_id, created, recipients, targets, started = await resend_message(
            self._db,
            caller,
            request.request_id.strip(),
            request.message_id,
            list(request.statuses),
            list(request.delivery_modes),
            self._clock.now_us(),
        )
        if started:
            self._engine.wake()
            self._watch.hub.poke()
        progress = await load_progress(self._db, message_id, self._clock.now_us())
        return pb.ResendMessageResponse(
            message_id=message_id,
            created=created,
            recipient_count=recipients,
            target_count=targets,
            progress=progress,
        )

    async def _sender_message(self, caller: Caller, message_id: int) -> None:
        """Recipients and the start belong to the message's creator (NOT_FOUND for others),
        who still needs the send right and the message type's right."""
        row = await accept.load_message(self._db, caller, message_id, is_creator)
        check_sender(caller, int(row["message_type"]))
