"""The console's gRPC clients: one channel per service for the whole process. Calls carry
the signed-in person's own token (``SignedIn.metadata()``), never a console identity, so every
right and district rule is the services' own."""

from __future__ import annotations

from dataclasses import dataclass

from grpc import aio

from smlog.config import Settings
from smlog.runtime import LONG_STREAM_SECONDS, open_channel
from smlog.v1 import dispatch_pb2_grpc, log_pb2_grpc, reports_pb2_grpc


@dataclass
class Backends:
    log: log_pb2_grpc.SentMessageLogServiceAsyncStub
    reports: reports_pb2_grpc.ReportServiceAsyncStub
    dispatch: dispatch_pb2_grpc.DispatchServiceAsyncStub
    channels: tuple[aio.Channel, ...]
    timeout: float

    @classmethod
    def open(cls, settings: Settings) -> Backends:
        timeout = settings.rpc_timeout_seconds
        log = open_channel(settings.target("log"), timeout=timeout)
        reports = open_channel(settings.target("reports"), timeout=LONG_STREAM_SECONDS)
        dispatch = open_channel(settings.target("dispatch"), timeout=timeout)
        return cls(
            log=log_pb2_grpc.SentMessageLogServiceStub(log),
            reports=reports_pb2_grpc.ReportServiceStub(reports),
            dispatch=dispatch_pb2_grpc.DispatchServiceStub(dispatch),
            channels=(log, reports, dispatch),
            timeout=timeout,
        )

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close(None)
