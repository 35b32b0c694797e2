"""The log service in-process on port 0, a second store handle for test data, and stubs for
callers with chosen rights."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from grpc import aio

from smlog.config import Settings
from smlog.services.log.service import create
from smlog.store import Database, open_database
from smlog.v1 import log_pb2_grpc
from tests.support.rights import ALL
from tests.support.services import grpc_service
from tests.support.tokens import user_channel

__all__ = ["LogEnv", "rpc_error", "running_log"]


@dataclass
class LogEnv:
    db: Database
    settings: Settings
    port: int
    channels: list[aio.Channel] = field(default_factory=list)

    def stub(
        self, user: str = "alice", district: int = 1, rights: Sequence[str] = ALL
    ) -> log_pb2_grpc.SentMessageLogServiceStub:
        channel = user_channel(self.settings, self.port, user, district, rights)
        self.channels.append(channel)
        return log_pb2_grpc.SentMessageLogServiceStub(channel)


@asynccontextmanager
async def running_log(settings: Settings) -> AsyncIterator[LogEnv]:
    """The log service over the settings' store, and that store opened for test data."""
    async with grpc_service(await create(settings), settings) as host:
        db = await open_database(settings)
        log_env = LogEnv(db, settings, host.port)
        try:
            yield log_env
        finally:
            for channel in log_env.channels:
                await channel.close()
            await db.close()


async def rpc_error(call: Any) -> grpc.aio.AioRpcError:
    """The error a call fails with (the test fails if it succeeds)."""
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    return info.value
