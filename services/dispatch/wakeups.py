"""Wake-ups across dispatch workers: PostgreSQL NOTIFY on commit, LISTEN in every worker.

- ``WORK`` (no payload): a campaign started; every worker's idle scheduler claims now
  instead of at its next poll.
- ``PROGRESS`` (a message id): a transaction changed the message's counters or status; every
  worker's ``ChangeHub`` looks at that message now, so ``WatchMessage`` on any worker follows
  progress any worker made. The hub then keeps only a slow safety poll.
- ``CANCELED`` (a message id): CancelMessage ran on one worker; every other worker stops
  sending the message's jobs and closes the unsent attempts it holds (``cancel``).

Notices are sent inside the writing transaction (``Transaction.notify``), so they arrive
after its commit, never before. On SQLite (one dispatch process) nothing is sent, and the
loops keep their polls and in-process wake-ups.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable

from smlog.store import Database, Transaction

__all__ = ["CANCELED", "PROGRESS", "WORK", "Wakeups", "progressed"]

WORK = "smlog_dispatch_work"
PROGRESS = "smlog_dispatch_progress"
CANCELED = "smlog_dispatch_canceled"


def progressed(tx: Transaction, message_ids: Iterable[int]) -> None:
    """Tell every worker that these messages' progress changed (at commit)."""
    for message_id in sorted(set(message_ids)):
        tx.notify(PROGRESS, str(message_id))


class Wakeups:
    """The LISTEN of one dispatch worker (a service component)."""

    def __init__(
        self,
        db: Database,
        *,
        on_work: Callable[[], None],
        on_progress: Callable[[int | None], None],
        on_listening: Callable[[], None],
        on_canceled: Callable[[int], None],
    ) -> None:
        self._db = db
        self._on_work = on_work
        self._on_progress = on_progress
        self._on_listening = on_listening
        self._on_canceled = on_canceled
        self.listening = False  # notices come (PostgreSQL): the polls may be slow
        self._stack = contextlib.AsyncExitStack()

    def _notice(self, channel: str, payload: str) -> None:
        if channel == WORK:
            self._on_work()
        elif channel == PROGRESS:
            # An empty payload: notices may have been missed (the connection dropped).
            self._on_progress(int(payload) if payload.isdigit() else None)
        elif channel == CANCELED and payload.isdigit():
            self._on_canceled(int(payload))

    async def start(self) -> None:
        self.listening = await self._stack.enter_async_context(
            self._db.listening([WORK, PROGRESS, CANCELED], self._notice)
        )
        if self.listening:
            self._on_listening()

    async def stop(self) -> None:
        await self._stack.aclose()
