"""Following a message's progress over WatchMessage, across the server's stream time limit."""

from __future__ import annotations

from collections.abc import AsyncIterator

from smlog.runtime import LONG_STREAM_SECONDS
from smlog.v1 import common_pb2, dispatch_pb2, dispatch_pb2_grpc

__all__ = ["FINAL_MESSAGE_STATUSES", "progress_updates"]

FINAL_MESSAGE_STATUSES = {
    common_pb2.MESSAGE_STATUS_SENT,
    common_pb2.MESSAGE_STATUS_ERRORED,
    common_pb2.MESSAGE_STATUS_CANCELED,
    common_pb2.MESSAGE_STATUS_NO_RECIPIENTS,
}


async def progress_updates(
    stub: dispatch_pb2_grpc.DispatchServiceAsyncStub, message_id: int
) -> AsyncIterator[common_pb2.DispatchProgress]:
    """Every progress update until the message's final status. The server ends a stream after
    its maximum duration (``watch_max_seconds``); a stream that ends before the final status
    is opened again (its first update is the progress at that time)."""
    request = dispatch_pb2.WatchMessageRequest(message_id=message_id)
    while True:
        last: common_pb2.DispatchProgress | None = None
        async for update in stub.WatchMessage(request, timeout=LONG_STREAM_SECONDS):
            last = update.progress
            yield last
        if last is None or last.status in FINAL_MESSAGE_STATUSES:
            return
