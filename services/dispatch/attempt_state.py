"""The one owner of what dispatch keeps in memory about its attempts.

Two sets, both lost at a restart (``resume`` rebuilds what matters from the store):

- *unrecorded*: attempts handed to a vendor pool whose vendor answer is not written yet.
  Their outcomes wait in the outbox (``settle.drain_outcomes``), so a message never closes
  before the answers of its attempts are stored;
- *sending*: attempts a worker is sending right now. A cancel spares them: their request is
  already on its way, and they finish on their own.

Only this class changes the sets; the stages tell it what happened to an attempt.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet

__all__ = ["AttemptState"]


class AttemptState:
    def __init__(self) -> None:
        self._unrecorded: set[int] = set()
        self._sending: set[int] = set()

    @property
    def unrecorded(self) -> AbstractSet[int]:
        """Attempts whose vendor answer is not written yet (read-only view)."""
        return self._unrecorded

    @property
    def sending(self) -> AbstractSet[int]:
        """Attempts a worker is sending now (read-only view)."""
        return self._sending

    def queued(self, attempt_ids: Iterable[int]) -> None:
        """Handed to a vendor pool: their answer is to come."""
        self._unrecorded.update(attempt_ids)

    def started(self, attempt_ids: Iterable[int]) -> None:
        """A worker is sending them."""
        self._sending.update(attempt_ids)

    def stopped(self, attempt_ids: Iterable[int]) -> None:
        """The worker stopped before the request went out; they may be sent again."""
        self._sending.difference_update(attempt_ids)

    def settled(self, attempt_ids: Iterable[int]) -> None:
        """Their answer (or their hold for a later try) is written, or they were dropped
        before sending (a cancel closed them): nothing of them is in memory any more."""
        ids = tuple(attempt_ids)
        self._sending.difference_update(ids)
        self._unrecorded.difference_update(ids)
