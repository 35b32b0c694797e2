"""Delivery modes: their order, names, the bit set a message stores them in, and the default
dialing window (docs/statuses.md, docs/dispatch.md)."""

from __future__ import annotations

from collections.abc import Iterable

from smlog.v1.common_pb2 import DeliveryMode

__all__ = [
    "DEFAULT_DIAL_WINDOW",
    "EMAIL",
    "INBOX",
    "MODES",
    "MODE_NAMES",
    "PHONE_MODES",
    "TEXT",
    "VOICE",
    "mode_bits",
    "modes_of",
]

INBOX = DeliveryMode.DELIVERY_MODE_INBOX
EMAIL = DeliveryMode.DELIVERY_MODE_EMAIL
VOICE = DeliveryMode.DELIVERY_MODE_VOICE
TEXT = DeliveryMode.DELIVERY_MODE_TEXT
MODES: tuple[int, ...] = (INBOX, EMAIL, VOICE, TEXT)
MODE_NAMES: dict[int, str] = {INBOX: "inbox", EMAIL: "email", VOICE: "voice", TEXT: "text"}
# The modes that reach a phone number (a voice call or a text).
PHONE_MODES: tuple[int, ...] = (VOICE, TEXT)

# A district that sets no dialing window: 8:00 to 21:00 local time, in minutes after midnight.
DEFAULT_DIAL_WINDOW: tuple[int, int] = (8 * 60, 21 * 60)


def mode_bits(modes: Iterable[int]) -> int:
    """The ``messages.delivery_modes`` bit set of ``modes`` (bit ``1 << mode`` each)."""
    bits = 0
    for mode in modes:
        bits |= 1 << mode
    return bits


def modes_of(bits: int) -> list[int]:
    """The modes of a ``messages.delivery_modes`` bit set, in enum order."""
    return [mode for mode in MODES if bits & (1 << mode)]
