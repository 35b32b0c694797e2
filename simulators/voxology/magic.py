"""Magic numbers: recipients that always produce one outcome (docs/simulators.md has the table).

All sit in the fictional 555-01xx range. A voice magic number that is texted is delivered, a
text magic number that is called completes with 0; the request-error numbers refuse both.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "OTHER_CHANNEL_SMS",
    "OTHER_CHANNEL_VOICE",
    "REQUEST_ERRORS",
    "SMS",
    "VOICE",
    "SmsMagic",
    "VoiceMagic",
]


@dataclass(frozen=True, slots=True)
class VoiceMagic:
    outcome: str  # completed, busy, no-answer, failed, silent
    digits: str = ""  # what the callee presses on a completed call
    first: tuple[str, ...] = ()  # outcomes of the number's first calls, before ``outcome``

    def outcome_for(self, call_number: int) -> str:
        """The outcome of this number's ``call_number``-th call (1-based)."""
        return self.first[call_number - 1] if call_number <= len(self.first) else self.outcome


@dataclass(frozen=True, slots=True)
class SmsMagic:
    outcome: str  # delivered, undelivered, failed, silent
    reply: str | None = None  # body the recipient replies after the text is delivered


# number -> HTTP status answered to a call or text request
REQUEST_ERRORS: dict[str, int] = {
    "+15555550106": 400,
    "+15555550107": 500,
    "+15555550108": 429,
}

VOICE: dict[str, VoiceMagic] = {
    "+15555550100": VoiceMagic("completed", digits="0"),
    "+15555550101": VoiceMagic("completed"),
    "+15555550102": VoiceMagic("busy"),
    "+15555550103": VoiceMagic("no-answer"),
    "+15555550104": VoiceMagic("failed"),
    "+15555550105": VoiceMagic("silent"),
    "+15555550109": VoiceMagic("completed", digits="0", first=("busy", "busy")),
    "+15555550110": VoiceMagic("completed", digits="0", first=("no-answer",)),
}

SMS: dict[str, SmsMagic] = {
    "+15555550120": SmsMagic("delivered"),
    "+15555550121": SmsMagic("undelivered"),
    "+15555550122": SmsMagic("silent"),
    "+15555550123": SmsMagic("delivered", reply="STOP"),
    "+15555550124": SmsMagic("failed"),
    "+15555550125": SmsMagic("delivered", reply="start"),
    "+15555550126": SmsMagic("delivered", reply=" Help "),
}

# A number in one channel's table that is used on the other channel.
OTHER_CHANNEL_VOICE = VoiceMagic("completed", digits="0")
OTHER_CHANNEL_SMS = SmsMagic("delivered")
