"""Validation of what a sender submits. Errors name the field; nothing is stored on error.

Reasons never quote an address or a body (they may reach logs).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from smlog.auth import TYPE_RIGHTS, Caller, Right
from smlog.errors import InvalidArgumentError, PermissionDeniedError
from smlog.services.dispatch.policy import MODE_NAMES, MODES, TEXT, VOICE
from smlog.v1.common_pb2 import MessageContent, MessageType
from smlog.v1.dispatch_pb2 import Device, DeviceType, MessageDraft, Recipient

__all__ = ["CONTENT_FIELDS", "check_draft", "check_recipients", "check_sender"]

_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
_EXTENSION = re.compile(r"[0-9*#]{1,10}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# Per mode: the content field it needs and its longest accepted value (the vendors' limits).
CONTENT_FIELDS: dict[int, tuple[str, int]] = {
    MODES[0]: ("inbox_body", 100_000),
    MODES[1]: ("email_body", 1_000_000),
    MODES[2]: ("voice_script", 4096),
    MODES[3]: ("text_body", 1600),
}
MAX_DEVICES = 50


def check_sender(caller: Caller, message_type: int) -> None:
    """Sending needs the send right and the message type's right."""
    caller.require(Right.SEND_MESSAGES, "send messages")
    right = TYPE_RIGHTS.get(message_type)
    if right is None:
        raise InvalidArgumentError("message.message_type", "unknown message type")
    if not caller.has(right):
        name = MessageType.Name(message_type)  # type: ignore[arg-type]
        raise PermissionDeniedError(right.value, f"send {name} messages")


def check_draft(draft: MessageDraft) -> None:
    if draft.message_type not in TYPE_RIGHTS:
        raise InvalidArgumentError("message.message_type", "unknown or unspecified message type")
    subject = draft.subject.strip()
    if not subject:
        raise InvalidArgumentError("message.subject", "must not be empty")
    if len(subject) > 300:
        raise InvalidArgumentError("message.subject", "longer than 300 characters")
    if not draft.delivery_modes:
        raise InvalidArgumentError("message.delivery_modes", "select at least one delivery mode")
    seen: set[int] = set()
    for i, mode in enumerate(draft.delivery_modes):
        if mode not in MODES:
            raise InvalidArgumentError(f"message.delivery_modes[{i}]", f"unknown mode {mode}")
        if mode in seen:
            raise InvalidArgumentError(f"message.delivery_modes[{i}]", "listed twice")
        seen.add(mode)
        _check_content(draft.content, mode)
    for i, calendar_id in enumerate(draft.calendar_ids):
        if calendar_id <= 0:
            raise InvalidArgumentError(f"message.calendar_ids[{i}]", "must be a positive id")
    if len(set(draft.calendar_ids)) != len(draft.calendar_ids):
        raise InvalidArgumentError("message.calendar_ids", "a calendar is listed twice")
    if draft.has_attachment and not draft.attachment_name.strip():
        raise InvalidArgumentError("message.attachment_name", "required with an attachment")
    if not draft.has_attachment and draft.attachment_name:
        raise InvalidArgumentError("message.attachment_name", "set without has_attachment")
    if len(draft.tool_criteria.school_year) > 20:
        raise InvalidArgumentError("message.tool_criteria.school_year", "longer than 20")


def _check_content(content: MessageContent, mode: int) -> None:
    name, limit = CONTENT_FIELDS[mode]
    value: str = getattr(content, name)
    if not value.strip():
        raise InvalidArgumentError(
            f"message.content.{name}", f"required for delivery mode {MODE_NAMES[mode]}"
        )
    if len(value) > limit:
        raise InvalidArgumentError(f"message.content.{name}", f"longer than {limit} characters")


def check_recipients(recipients: Sequence[Recipient], batch: int) -> None:
    """Validate one AddRecipients request (``batch`` is its 0-based index in the stream)."""
    where = f" (request {batch} of the stream)" if batch else ""
    seen: set[str] = set()
    for i, recipient in enumerate(recipients):
        field = f"recipients[{i}]"
        person = recipient.person_id.strip()
        if not person or len(person) > 128:
            raise InvalidArgumentError(f"{field}.person_id", f"must be 1-128 characters{where}")
        if person in seen:
            raise InvalidArgumentError(f"{field}.person_id", f"listed twice in a request{where}")
        seen.add(person)
        if not recipient.name.strip() or len(recipient.name) > 300:
            raise InvalidArgumentError(f"{field}.name", f"must be 1-300 characters{where}")
        if len(recipient.devices) > MAX_DEVICES:
            raise InvalidArgumentError(f"{field}.devices", f"more than {MAX_DEVICES}{where}")
        for j, device in enumerate(recipient.devices):
            _check_device(device, f"{field}.devices[{j}]", where)


def _check_device(device: Device, field: str, where: str) -> None:
    kind = device.device_type
    address = device.address
    if kind == DeviceType.DEVICE_TYPE_PORTAL_INBOX:
        if not address.strip() or len(address) > 128:
            raise InvalidArgumentError(f"{field}.address", f"not a portal account id{where}")
    elif kind == DeviceType.DEVICE_TYPE_EMAIL:
        if len(address) > 254 or not _EMAIL.fullmatch(address):
            raise InvalidArgumentError(f"{field}.address", f"not an email address{where}")
    elif kind == DeviceType.DEVICE_TYPE_PHONE:
        if not _E164.fullmatch(address):
            raise InvalidArgumentError(
                f"{field}.address", f"not an E.164 phone number (+ and 8-15 digits){where}"
            )
        if device.extension and not _EXTENSION.fullmatch(device.extension):
            raise InvalidArgumentError(f"{field}.extension", f"1-10 digits, * or #{where}")
        for k, mode in enumerate(device.delivery_modes):
            if mode not in (VOICE, TEXT):
                raise InvalidArgumentError(
                    f"{field}.delivery_modes[{k}]", f"a phone is for VOICE or TEXT{where}"
                )
    else:
        raise InvalidArgumentError(f"{field}.device_type", f"unknown device type{where}")
    if kind != DeviceType.DEVICE_TYPE_PHONE and (device.extension or device.delivery_modes):
        raise InvalidArgumentError(f"{field}.extension", f"only phones have these{where}")
    for k, message_type in enumerate(device.message_types):
        if message_type not in TYPE_RIGHTS:
            raise InvalidArgumentError(f"{field}.message_types[{k}]", f"unknown type{where}")
