"""Fault hooks of the dispatch engine, for tests of crashes and failures (docs/dispatch.md,
"Fault hooks"). All are off unless a test turns them on through ``Dispatcher.faults``;
nothing in production sets them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from smlog.services.dispatch.pools import Job

__all__ = ["Faults"]


@dataclass
class Faults:
    # The writer keeps vendor answers in memory and writes none, as a process that dies
    # before its next flush would (the buffer is lost when the process stops).
    answers_unwritten: bool = False
    # Awaited before each job's vendor request; raising makes the send fail before the
    # request goes out (a store read or a bug), the failure dispatch retries then closes.
    before_send: Callable[[Job], Awaitable[None]] | None = None
