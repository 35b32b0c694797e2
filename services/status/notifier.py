"""Tells dispatch about attempts that reached a final status: batched, fire-and-forget.

``attempt_outcomes`` is the source of truth and dispatch drains it itself (polling and at
start), so a failed call only delays dispatch; it is logged and dropped, never retried here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

import grpc
from grpc import aio
from prometheus_client import Counter

from smlog.clock import to_timestamp
from smlog.config import Settings
from smlog.runtime import ServiceTokens, open_channel
from smlog.runtime.tasks import cancel_task
from smlog.runtime.tls import channel_credentials
from smlog.services.status.applier import Outcome
from smlog.v1 import dispatch_pb2, dispatch_pb2_grpc

__all__ = ["OutcomeNotifier"]

log = logging.getLogger("smlog.status.notifier")

NOTIFY_CALLS = Counter(
    "smlog_status_dispatch_notify_total",
    "ReportAttemptOutcomes calls to dispatch, by result.",
    ["result"],
)
_BATCH = 5000
_MAX_PENDING = 200_000
_LOG_EVERY_SECONDS = 60.0


class OutcomeNotifier:
    def __init__(self, settings: Settings, target: str | None = None) -> None:
        self._settings = settings
        self._target = target or settings.target("dispatch")
        self._pending: list[Outcome] = []
        self._wake = asyncio.Event()
        self._channel: aio.Channel | None = None
        self._task: asyncio.Task[None] | None = None
        self._quiet_until = 0.0

    async def start(self) -> None:
        if self._task is not None:
            return
        self._channel = open_channel(
            self._target,
            timeout=self._settings.status_notify_timeout_seconds,
            token=ServiceTokens(
                self._settings.service_jwt_secret, "status", self._settings.jwt_algorithm
            ),
            tls=channel_credentials(self._settings),
        )
        self._task = asyncio.create_task(self._run(), name="status-outcome-notifier")

    async def stop(self) -> None:
        await cancel_task(self._task)
        self._task = None
        if self._channel is not None:
            await self._channel.close(None)
            self._channel = None

    def offer(self, outcomes: Sequence[Outcome]) -> None:
        if not outcomes:
            return
        self._pending.extend(outcomes)
        if len(self._pending) > _MAX_PENDING:  # dispatch is away; it drains the table later
            del self._pending[: len(self._pending) - _MAX_PENDING]
        self._wake.set()

    async def _run(self) -> None:
        assert self._channel is not None
        stub = dispatch_pb2_grpc.DispatchServiceStub(self._channel)
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch, self._pending = self._pending[:_BATCH], self._pending[_BATCH:]
                request = dispatch_pb2.ReportAttemptOutcomesRequest(
                    outcomes=[
                        dispatch_pb2.AttemptOutcome(
                            attempt_id=o.attempt_id,
                            status=o.status,  # type: ignore[arg-type]
                            status_time=to_timestamp(o.status_time),
                        )
                        for o in batch
                    ]
                )
                try:
                    await stub.ReportAttemptOutcomes(
                        request, timeout=self._settings.status_notify_timeout_seconds
                    )
                except grpc.RpcError as exc:
                    code = exc.code() if isinstance(exc, aio.AioRpcError) else None
                    NOTIFY_CALLS.labels("failed").inc()
                    self._pending.clear()
                    now = time.monotonic()
                    if now >= self._quiet_until:  # one line a minute while dispatch is away
                        self._quiet_until = now + _LOG_EVERY_SECONDS
                        log.warning(
                            "dispatch not told about final outcomes (%s); it drains them from"
                            " the store",
                            code.name if code is not None else "error",
                        )
                    break
                NOTIFY_CALLS.labels("ok").inc()
                self._quiet_until = 0.0
