"""Recipients for tests. Numbers are the simulators' magic numbers (docs/simulators.md)."""

from __future__ import annotations

from smlog.v1 import common_pb2 as c
from smlog.v1 import dispatch_pb2 as d

PHONE = d.DeviceType.DEVICE_TYPE_PHONE
EMAIL = d.DeviceType.DEVICE_TYPE_EMAIL
INBOX = d.DeviceType.DEVICE_TYPE_PORTAL_INBOX
M = c.DeliveryMode
VOICE_OK = "+15555550100"
VOICE_NOT_CONFIRMED = "+15555550101"
VOICE_BUSY = "+15555550102"
VOICE_NO_ANSWER = "+15555550103"
VOICE_FAILED = "+15555550104"
VOICE_SILENT = "+15555550105"
REQ_400 = "+15555550106"
REQ_500 = "+15555550107"
REQ_429 = "+15555550108"
BUSY_BUSY_OK = "+15555550109"
TEXT_OK = "+15555550120"
TEXT_UNDELIVERED = "+15555550121"
TEXT_SILENT = "+15555550122"


def phone(number: str, extension: str = "", modes: tuple[int, ...] = ()) -> d.Device:
    return d.Device(
        device_type=PHONE,
        address=number,
        extension=extension,
        delivery_modes=list(modes),  # type: ignore[arg-type]
    )


def person(pid: str, *devices: d.Device, name: str = "") -> d.Recipient:
    return d.Recipient(person_id=pid, name=name or f"Person {pid}", devices=list(devices))


def email(address: str) -> d.Device:
    return d.Device(device_type=EMAIL, address=address)


def inbox(account: str) -> d.Device:
    return d.Device(device_type=INBOX, address=account)
