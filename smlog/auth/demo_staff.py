"""The demo district's staff: who the development sign-in offers, each with the tool rights a
person in that job would have (docs/console.md). District 1 is the demo's Springfield; the
last person works in another district and must never see Springfield's messages."""

from __future__ import annotations

from dataclasses import dataclass

from smlog.auth.rights import TYPE_RIGHTS, Right

R = Right
ALL_TYPES = tuple(TYPE_RIGHTS.values())


@dataclass(frozen=True)
class StaffMember:
    user_id: str
    name: str
    job: str
    district_id: int
    rights: tuple[Right, ...]


DEMO_STAFF: tuple[StaffMember, ...] = (
    StaffMember(
        "principal.skinner", "Principal Skinner", "sends the demo's messages", 1,
        (R.SENT_MESSAGE_LOG, R.MY_MESSAGES, R.ALL_MESSAGES, *ALL_TYPES, R.VIEW_DEVICE_DETAILS,
         R.SEND_MESSAGES, R.CANCEL_MESSAGES),
    ),
    StaffMember(
        "superintendent.chalmers", "Superintendent Chalmers", "district office", 1,
        (R.SENT_MESSAGE_LOG, R.ALL_MESSAGES, *ALL_TYPES, R.VIEW_DEVICE_DETAILS,
         R.CANCEL_MESSAGES, R.DISTRICT_ADMIN),
    ),
    StaffMember(
        "ms.hoover", "Ms. Hoover", "front office: General and Priority only", 1,
        (R.SENT_MESSAGE_LOG, R.ALL_MESSAGES, R.TYPE_GENERAL, R.TYPE_PRIORITY),
    ),
    StaffMember(
        "mrs.krabappel", "Mrs. Krabappel", "teacher: her own messages only", 1,
        (R.SENT_MESSAGE_LOG, R.MY_MESSAGES, R.TYPE_GENERAL),
    ),
    StaffMember(
        "groundskeeper.willie", "Groundskeeper Willie", "no Sent Message Log rights", 1,
        (R.SEND_MESSAGES,),
    ),
    StaffMember(
        "principal.shelbyville", "Principal of Shelbyville", "another district", 2,
        (R.SENT_MESSAGE_LOG, R.MY_MESSAGES, R.ALL_MESSAGES, *ALL_TYPES),
    ),
)  # fmt: skip


def staff_member(user_id: str) -> StaffMember | None:
    return next((s for s in DEMO_STAFF if s.user_id == user_id), None)
