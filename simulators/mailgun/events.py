"""Mailgun events: the event-data objects (as posted to webhooks and listed by the events
API), each email's timeline of events, and the retained log behind ``GET /v3/<d>/events``."""

from __future__ import annotations

import itertools
import random
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from smlog.simulators.mailgun.profiles import MailgunProfile

__all__ = ["FAILURES", "EventLog", "plan_email"]

Event = dict[str, Any]

_DELIVERED = {"code": 250, "message": "OK", "description": "", "attempt-no": 1, "tls": True}

# fate -> (severity, reason, delivery-status) of its failed event
FAILURES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "bounced": (
        "permanent",
        "bounce",
        {
            "code": 550,
            "message": "5.1.1 The email account that you tried to reach does not exist",
            "description": "invalid address",
            "attempt-no": 1,
        },
    ),
    "suppressed": (
        "permanent",
        "suppress-bounce",
        {
            "code": 605,
            "message": "Not delivering to previously bounced address",
            "description": "suppressed: the address bounced before",
            "attempt-no": 1,
        },
    ),
    "tempfail": (
        "temporary",
        "generic",
        {
            "code": 421,
            "message": "4.2.0 Mailbox temporarily unavailable, try again later",
            "description": "will retry",
            "attempt-no": 1,
        },
    ),
}


def _failed(fate: str) -> Event:
    severity, reason, status = FAILURES[fate]
    level = "error" if severity == "permanent" else "warn"
    return {
        "event": "failed",
        "log-level": level,
        "severity": severity,
        "reason": reason,
        "delivery-status": status,
    }


def plan_email(
    profile: MailgunProfile, rng: random.Random, forced: str | None
) -> tuple[str, list[tuple[float, Event]]]:
    """(fate, [(delay in vendor seconds, event fields)]) of one recipient's email."""
    fate = forced or profile.mix.choose(rng)
    if fate == "silent":
        return fate, []
    at = profile.accept.sample(rng)
    timeline: list[tuple[float, Event]] = [(at, {"event": "accepted", "log-level": "info"})]
    at += profile.deliver.sample(rng)
    if fate in ("bounced", "suppressed"):
        timeline.append((at, _failed(fate)))
        return fate, timeline
    if fate == "tempfail":
        timeline.append((at, _failed(fate)))
        at += profile.redeliver.sample(rng)
    delivery = {**_DELIVERED, "attempt-no": 2} if fate == "tempfail" else _DELIVERED
    timeline.append((at, {"event": "delivered", "log-level": "info", "delivery-status": delivery}))
    chance = forced is None and fate == "delivered"  # magic addresses: exactly their events
    opened = fate in ("opened", "clicked") or (chance and rng.random() < profile.opened)
    if opened:
        open_at = at + profile.open.sample(rng)
        timeline.append((open_at, {"event": "opened", "log-level": "info"}))
        if fate == "clicked" or (chance and rng.random() < profile.clicked):
            url = "https://district.example.org/messages"
            click = {"event": "clicked", "log-level": "info", "url": url}
            timeline.append((open_at + profile.click.sample(rng), click))
    if fate == "complained" or (chance and rng.random() < profile.complained):
        complaint = {"event": "complained", "log-level": "warn"}
        timeline.append((at + profile.complain.sample(rng), complaint))
    return fate, timeline


class EventLog:
    """Events in the order they happened; positions are absolute so page tokens stay valid
    when the oldest events are forgotten."""

    def __init__(self, retained: int) -> None:
        self._events: deque[Event] = deque(maxlen=retained)
        self._first = 0  # absolute position of self._events[0]

    def __len__(self) -> int:
        return len(self._events)

    @property
    def end(self) -> int:
        return self._first + len(self._events)

    def append(self, event: Event) -> None:
        if len(self._events) == self._events.maxlen:
            self._first += 1
        self._events.append(event)

    def clear(self) -> None:
        self._first = self.end
        self._events.clear()

    def page(
        self, start: int, limit: int, keep: Callable[[Event], bool]
    ) -> tuple[list[Event], int]:
        """Up to ``limit`` kept events from absolute position ``start``; and where to go on."""
        start = max(start, self._first)
        items: list[Event] = []
        position = start
        scan: Iterator[Event] = itertools.islice(self._events, start - self._first, None)
        for event in scan:
            position += 1
            if keep(event):
                items.append(event)
                if len(items) >= limit:
                    break
        return items, position
