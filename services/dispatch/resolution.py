"""Resolving recipients into device targets: one per device per selected mode.

Rules (docs/statuses.md):
- a device is used for a mode when its type fits the mode (a phone also when the mode is in
  its own modes, empty meaning both) and it is enabled for the message type;
- a recipient with no such device for a mode gets a No Device placeholder for that mode (address
  '', final at once, not a device of the mode); Recipients with No Device counts the people
  with no device for any selected mode (nothing to contact them by);
- a text to a number with an extension is Not Eligible; a text to a number that replied STOP is
  Opt-Out; both are final at once, count as devices of their mode, and are one attempt each
  that never reaches the vendor (a suppressed contact);
- the first queued target of each recipient and mode is its first device (First Attempt
  Duration waits for its first attempt only).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from smlog.services.dispatch.policy import EMAIL, INBOX, TEXT, VOICE
from smlog.v1.common_pb2 import DeviceStatus
from smlog.v1.dispatch_pb2 import DeviceType, Recipient

__all__ = ["Resolution", "TargetSpec", "devices_json", "resolve"]

_S = DeviceStatus
_KIND_OF_MODE: dict[int, int] = {
    INBOX: DeviceType.DEVICE_TYPE_PORTAL_INBOX,
    EMAIL: DeviceType.DEVICE_TYPE_EMAIL,
    VOICE: DeviceType.DEVICE_TYPE_PHONE,
    TEXT: DeviceType.DEVICE_TYPE_PHONE,
}


def devices_json(recipient: Recipient) -> str:
    """The devices as stored in ``recipients.devices_json`` (compact keys)."""
    return json.dumps(
        [
            {
                "t": d.device_type,
                "a": d.address,
                "x": d.extension,
                "m": list(d.delivery_modes),
                "y": list(d.message_types),
            }
            for d in recipient.devices
        ],
        separators=(",", ":"),
    )


@dataclass(frozen=True, slots=True)
class TargetSpec:
    recipient_id: int
    mode: int
    address: str
    extension: str
    is_first_device: bool
    status: int  # Queued, or the final suppression / No Device status

    @property
    def queued(self) -> bool:
        return self.status == _S.DEVICE_STATUS_QUEUED

    @property
    def suppressed(self) -> bool:
        """Not Eligible or Opt-Out: a contact attempt that never reaches the vendor."""
        return self.status in (_S.DEVICE_STATUS_NOT_ELIGIBLE, _S.DEVICE_STATUS_OPT_OUT)


@dataclass
class Resolution:
    targets: list[TargetSpec] = field(default_factory=list)
    devices: Counter[int] = field(default_factory=Counter)  # per mode, No Device excluded
    suppressed: Counter[int] = field(default_factory=Counter)  # Not Eligible, Opt-Out
    first_devices: Counter[int] = field(default_factory=Counter)
    no_device_recipients: int = 0
    recipients: int = 0

    @property
    def pending(self) -> int:
        return sum(1 for t in self.targets if t.queued)


def _fits(device: dict[str, Any], mode: int, message_type: int) -> bool:
    if device.get("t") != _KIND_OF_MODE[mode]:
        return False
    modes = device.get("m") or []
    if device["t"] == DeviceType.DEVICE_TYPE_PHONE and modes and mode not in modes:
        return False
    types = device.get("y") or []
    return not types or message_type in types


def resolve(
    recipients: Iterable[tuple[int, str]],
    modes: list[int],
    message_type: int,
    opted_out: set[str] | None,
) -> Resolution:
    """Targets for ``recipients`` (id, devices_json); ``opted_out`` holds numbers that replied
    STOP (None: nobody)."""
    result = Resolution()
    for recipient_id, raw in recipients:
        result.recipients += 1
        devices: list[dict[str, Any]] = json.loads(raw)
        reachable = False
        for mode in modes:
            seen: set[tuple[str, str]] = set()
            first_given = False
            for device in devices:
                if not _fits(device, mode, message_type):
                    continue
                address, extension = str(device["a"]), str(device.get("x") or "")
                key = (address.lower() if mode == EMAIL else address, extension)
                if key in seen:
                    continue
                seen.add(key)
                status = _S.DEVICE_STATUS_QUEUED
                if mode == TEXT and extension:
                    status = _S.DEVICE_STATUS_NOT_ELIGIBLE
                elif mode == TEXT and opted_out and address in opted_out:
                    status = _S.DEVICE_STATUS_OPT_OUT
                first = status == _S.DEVICE_STATUS_QUEUED and not first_given
                first_given = first_given or first
                result.targets.append(
                    TargetSpec(recipient_id, mode, address, extension, first, status)
                )
                result.devices[mode] += 1
                if status != _S.DEVICE_STATUS_QUEUED:
                    result.suppressed[mode] += 1
                if first:
                    result.first_devices[mode] += 1
            reachable = reachable or bool(seen)
            if not seen:
                result.targets.append(
                    TargetSpec(recipient_id, mode, "", "", False, _S.DEVICE_STATUS_NO_DEVICE)
                )
        result.no_device_recipients += int(not reachable)
    return result
