"""Nudges dispatch when attempts reached a final status: one empty ReportAttemptOutcomes
call per wake-up, fire-and-forget.

``attempt_outcomes`` is the source of truth and dispatch drains it itself (on the nudge,
polling and at start), so the call carries no outcomes (dispatch would not read them) and a
failed call only delays dispatch; it is logged and dropped, never retried here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

import grpc
from grpc import aio
from prometheus_client import Counter

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
_LOG_EVERY_SECONDS = 60.0


class OutcomeNotifier:
    def __init__(self, settings: Settings, target: str | None = None) -> None:
        self._settings = settings
        self._target = target or settings.target("dispatch")
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
        """Attempts turned final (committed): dispatch is nudged once for all offered since
        the last call."""
        if outcomes:
            self._wake.set()

    async def _run(self) -> None:
        assert self._channel is not None
        stub = dispatch_pb2_grpc.DispatchServiceStub(self._channel)
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await stub.ReportAttemptOutcomes(
                    dispatch_pb2.ReportAttemptOutcomesRequest(),
                    timeout=self._settings.status_notify_timeout_seconds,
                )
            except grpc.RpcError as exc:
                code = exc.code() if isinstance(exc, aio.AioRpcError) else None
                NOTIFY_CALLS.labels("failed").inc()
                now = time.monotonic()
                if now >= self._quiet_until:  # one line a minute while dispatch is away
                    self._quiet_until = now + _LOG_EVERY_SECONDS
                    log.warning(
                        "dispatch not told about final outcomes (%s); it drains them from"
                        " the store",
                        code.name if code is not None else "error",
                    )
                continue
            NOTIFY_CALLS.labels("ok").inc()
            self._quiet_until = 0.0
