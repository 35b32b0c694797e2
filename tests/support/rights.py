"""Rights for test tokens, from the one list the product defines (``smlog.auth.Right``)."""

from __future__ import annotations

from smlog.auth import Right

__all__ = ["ALL", "ALL_RIGHTS", "BOTH", "FULL", "MY", "TYPES"]

ALL_RIGHTS: list[str] = [right.value for right in Right]
TYPES: list[str] = [right.value for right in Right if right.value.startswith("type_")]
ALL: list[str] = ["sent_message_log", "all_messages", *TYPES]  # the log: everyone's messages
MY: list[str] = ["sent_message_log", "my_messages", *TYPES]  # the log: one's own messages
BOTH: list[str] = ["sent_message_log", "all_messages", "my_messages", *TYPES]
FULL: list[str] = [*ALL, "view_device_details"]  # and unmasked devices
