"""WatchMessage is bounded: streams per caller and per process, the token's expiry, a maximum
duration (the stream of a message that stays in progress ends), and one store poll for all
watchers instead of one each. The messages watched are in progress and stay so: a call to the
simulator's number that never calls back waits out a long status deadline."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
import pytest
from prometheus_client import REGISTRY

from smlog.auth import mint_token
from smlog.runtime import open_channel
from smlog.v1 import dispatch_pb2 as d
from smlog.v1 import dispatch_pb2_grpc
from tests.dispatch.people import M, person, phone
from tests.support.dispatch import Harness, wait_for

# The simulator accepts the call and never calls back: the message stays In Progress.
SILENT = "+15555550105"

RIGHTS = ["send_messages", "sent_message_log", "all_messages", "type_general"]


def reads() -> float:
    return REGISTRY.get_sample_value("smlog_dispatch_watch_progress_reads_total") or 0.0


class Watchers:
    """Streams opened by chosen users of district 1; closed at the end."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.channels: list[Any] = []

    def stub(self, user: str, ttl: float = 600) -> dispatch_pb2_grpc.DispatchServiceStub:
        assert self.h.host is not None
        token = mint_token(
            self.h.settings.jwt_secret, user_id=user, district_id=1, rights=RIGHTS,
            ttl_seconds=ttl,
        )  # fmt: skip
        channel = open_channel(f"127.0.0.1:{self.h.host.port}", token=token, timeout=30)
        self.channels.append(channel)
        return dispatch_pb2_grpc.DispatchServiceStub(channel)

    async def first(self, stub: Any, message_id: int) -> Any:
        """A stream with its first update read (it holds its slot from then on)."""
        stream = stub.WatchMessage(d.WatchMessageRequest(message_id=message_id))
        await stream.read()
        return stream

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close()


async def in_progress(h: Harness) -> int:
    """A started message that stays In Progress (its one call is never answered)."""
    message_id = await h.send([person("p1", phone(SILENT))], [M.DELIVERY_MODE_VOICE])

    async def the_vendor_accepted_the_call() -> bool:
        row = await h.db.fetch_one(
            "SELECT COUNT(*) FROM attempts WHERE message_id = ? AND request_time IS NOT NULL",
            (message_id,),
        )
        return row is not None and int(row[0]) == 1

    await wait_for(the_vendor_accepted_the_call)
    return message_id


@pytest.fixture
async def watch_env(make: Callable[..., Any]) -> AsyncIterator[tuple[Harness, Watchers, int]]:
    h: Harness = await make(
        watch_max_streams_per_caller=2, watch_max_streams=3, dispatch_watch_interval_seconds=0.05,
        voice_status_deadline_seconds=900,
    )  # fmt: skip
    message_id = await in_progress(h)
    watchers = Watchers(h)
    yield h, watchers, message_id
    await watchers.close()


async def test_streams_are_limited_per_caller_and_per_process(
    watch_env: tuple[Harness, Watchers, int],
) -> None:
    _, w, message_id = watch_env
    alice, bob, carol = w.stub("alice"), w.stub("bob"), w.stub("carol")
    held = [await w.first(alice, message_id), await w.first(alice, message_id)]
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await w.first(alice, message_id)
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "per caller" in (info.value.details() or "")
    held.append(await w.first(bob, message_id))  # another caller still may: 3 in all
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await w.first(carol, message_id)
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "this server" in (info.value.details() or "")
    # A closed stream gives its slot back.
    held.pop(0).cancel()

    async def carol_gets_one() -> Any:
        for _ in range(100):
            try:
                return await w.first(carol, message_id)
            except grpc.aio.AioRpcError:
                await asyncio.sleep(0.02)
        raise AssertionError("the slot never came back")

    held.append(await carol_gets_one())
    for stream in held:
        stream.cancel()


async def test_a_stream_ends_when_its_token_expires(
    watch_env: tuple[Harness, Watchers, int],
) -> None:
    _, w, message_id = watch_env
    stream = await w.first(w.stub("alice", ttl=2), message_id)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await asyncio.wait_for(stream.read(), timeout=10)
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "expired" in (info.value.details() or "")


async def test_a_stream_ends_after_the_maximum_duration(make: Callable[..., Any]) -> None:
    h: Harness = await make(watch_max_seconds=0.5, voice_status_deadline_seconds=900)
    message_id = await in_progress(h)
    assert h.stub is not None
    stream = h.stub.WatchMessage(d.WatchMessageRequest(message_id=message_id), timeout=10)
    updates = [u async for u in stream]  # ends on its own, with status OK
    assert len(updates) == 1
    assert await stream.code() == grpc.StatusCode.OK


async def test_watchers_are_woken_by_a_change_not_by_polling_each(
    watch_env: tuple[Harness, Watchers, int],
) -> None:
    h, w, message_id = watch_env
    streams = [await w.first(w.stub(f"u{i}"), message_id) for i in range(3)]
    # The hub's first look at a newly watched message wakes its streams once; wait for that.
    before = -1.0
    for _ in range(50):
        if reads() == before:
            break
        before = reads()
        await asyncio.sleep(0.3)
    await asyncio.sleep(0.6)  # a dozen hub intervals with nothing changed
    assert reads() == before  # no stream read its progress again
    async with h.db.transaction() as tx:  # something changes: every watcher hears of it
        await tx.execute(
            "UPDATE messages SET total_recipients = total_recipients + 1 WHERE id = ?",
            (message_id,),
        )
    updates = [await asyncio.wait_for(s.read(), timeout=5) for s in streams]
    assert [u.progress.total_recipients for u in updates] == [2, 2, 2]
    assert reads() == before + 3
    for stream in streams:
        stream.cancel()
