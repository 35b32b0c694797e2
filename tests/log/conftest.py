"""The log service in-process on port 0, a second store handle for test data, and stubs for
callers with chosen rights."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from grpc import aio

from smlog.auth import Right, mint_token
from smlog.config import Settings
from smlog.runtime import GrpcHost, open_channel
from smlog.services.log.service import create
from smlog.store import Database, open_database
from smlog.v1 import log_pb2_grpc

TYPES = [r.value for r in Right if r.value.startswith("type_")]
ALL = ["sent_message_log", "all_messages", *TYPES]
MY = ["sent_message_log", "my_messages", *TYPES]
BOTH = ["sent_message_log", "all_messages", "my_messages", *TYPES]


@dataclass
class LogEnv:
    db: Database
    settings: Settings
    port: int
    channels: list[aio.Channel] = field(default_factory=list)

    def stub(
        self, user: str = "alice", district: int = 1, rights: Sequence[str] = ALL
    ) -> log_pb2_grpc.SentMessageLogServiceStub:
        token = mint_token(
            self.settings.jwt_secret, user_id=user, district_id=district, rights=list(rights)
        )
        channel = open_channel(f"127.0.0.1:{self.port}", token=token)
        self.channels.append(channel)
        return log_pb2_grpc.SentMessageLogServiceStub(channel)


@pytest.fixture
async def env(settings: Settings) -> AsyncIterator[LogEnv]:
    parts = await create(settings)
    host = GrpcHost(parts, settings, port=0)
    await host.start()
    db = await open_database(settings)
    log_env = LogEnv(db, settings, host.port)
    try:
        yield log_env
    finally:
        for channel in log_env.channels:
            await channel.close()
        await host.stop(0)
        await db.close()


async def rpc_error(call: Any) -> grpc.aio.AioRpcError:
    """The error a call fails with (the test fails if it succeeds)."""
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    return info.value
