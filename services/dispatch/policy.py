"""Dispatch rules as data: modes, priorities, redial statuses, status deadlines."""

from __future__ import annotations

from dataclasses import dataclass

from smlog.config import Settings
from smlog.v1.common_pb2 import DeliveryMode, DeviceStatus, MessageStatus, MessageType

__all__ = [
    "EMAIL",
    "INBOX",
    "MODES",
    "MODE_NAMES",
    "PRIORITY_NAMES",
    "REDIAL_STATUSES",
    "TEXT",
    "VOICE",
    "DispatchPolicy",
    "mode_bits",
    "modes_of",
    "priority_of",
]

INBOX = DeliveryMode.DELIVERY_MODE_INBOX
EMAIL = DeliveryMode.DELIVERY_MODE_EMAIL
VOICE = DeliveryMode.DELIVERY_MODE_VOICE
TEXT = DeliveryMode.DELIVERY_MODE_TEXT
MODES: tuple[int, ...] = (INBOX, EMAIL, VOICE, TEXT)
MODE_NAMES: dict[int, str] = {INBOX: "inbox", EMAIL: "email", VOICE: "voice", TEXT: "text"}

# 0 is sent first. Text Opt In / Opt Out entries are general traffic.
_PRIORITIES: dict[int, int] = {
    MessageType.MESSAGE_TYPE_EMERGENCY: 0,
    MessageType.MESSAGE_TYPE_PRIORITY: 1,
}
PRIORITY_NAMES: dict[int, str] = {0: "emergency", 1: "priority", 2: "general"}

REDIAL_STATUSES = frozenset(
    {
        DeviceStatus.DEVICE_STATUS_BUSY,
        DeviceStatus.DEVICE_STATUS_NO_ANSWER,
        DeviceStatus.DEVICE_STATUS_FAILED,
    }
)

OPEN_MESSAGE = MessageStatus.MESSAGE_STATUS_IN_PROGRESS


def priority_of(message_type: int) -> int:
    return _PRIORITIES.get(message_type, 2)


def mode_bits(modes: list[int] | tuple[int, ...]) -> int:
    bits = 0
    for mode in modes:
        bits |= 1 << mode
    return bits


def modes_of(bits: int) -> list[int]:
    return [mode for mode in MODES if bits & (1 << mode)]


@dataclass(frozen=True)
class DispatchPolicy:
    """The timing rules of one dispatch process, in microseconds."""

    redial_max_attempts: int
    redial_wait_us: int
    deadline_us: dict[int, int]

    @classmethod
    def from_settings(cls, settings: Settings) -> DispatchPolicy:
        def us(seconds: float) -> int:
            return int(seconds * 1_000_000)

        return cls(
            redial_max_attempts=settings.redial_max_attempts,
            redial_wait_us=us(settings.redial_wait_seconds),
            deadline_us={
                INBOX: us(settings.email_status_deadline_seconds),
                EMAIL: us(settings.email_status_deadline_seconds),
                VOICE: us(settings.voice_status_deadline_seconds),
                TEXT: us(settings.text_status_deadline_seconds),
            },
        )

    def redials(self, mode: int, status: int, attempt_number: int) -> bool:
        return (
            mode == VOICE
            and status in REDIAL_STATUSES
            and attempt_number < self.redial_max_attempts
        )
