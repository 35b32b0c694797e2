"""Dispatch rules as data: priorities, redial statuses, status deadlines (the modes and their
bit set are ``smlog.domain.modes``, re-exported here for the stages)."""

from __future__ import annotations

from dataclasses import dataclass

from smlog.config import Settings
from smlog.domain.modes import EMAIL, INBOX, MODE_NAMES, MODES, TEXT, VOICE, mode_bits, modes_of
from smlog.v1.common_pb2 import DeviceStatus, MessageStatus, MessageType

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
