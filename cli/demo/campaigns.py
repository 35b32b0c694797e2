"""The demo's campaigns: one of every message type and mode, one of them canceled."""

from __future__ import annotations

from dataclasses import dataclass

from smlog.cli.demo.people import SCHOOL_YEAR, Person
from smlog.v1 import common_pb2, dispatch_pb2

M = common_pb2


@dataclass
class DemoCampaign:
    key: str
    draft: dispatch_pb2.MessageDraft
    audience: list[Person]
    cancel_after_seconds: float | None = None


def demo_draft(
    subject: str,
    message_type: common_pb2.MessageType.ValueType,
    modes: list[common_pb2.DeliveryMode.ValueType],
    calendar_ids: list[int],
    groups: list[str],
    body: str,
    attachment: str = "",
) -> dispatch_pb2.MessageDraft:
    content = common_pb2.MessageContent(
        inbox_body=body if M.DELIVERY_MODE_INBOX in modes else "",
        email_body=body if M.DELIVERY_MODE_EMAIL in modes else "",
        voice_script=body if M.DELIVERY_MODE_VOICE in modes else "",
        text_body=body[:300] if M.DELIVERY_MODE_TEXT in modes else "",
    )
    return dispatch_pb2.MessageDraft(
        message_type=message_type,
        subject=subject,
        delivery_modes=modes,
        content=content,
        calendar_ids=calendar_ids,
        has_attachment=bool(attachment),
        attachment_name=attachment,
        general_criteria=common_pb2.GeneralFilterCriteria(recipient_groups=groups),
        tool_criteria=common_pb2.ToolSpecificCriteria(
            school_year=SCHOOL_YEAR, active_students_only=True
        ),
    )


def demo_campaigns(people: list[Person], calendar_ids: list[int]) -> list[DemoCampaign]:
    everyone_but_students = [p for p in people if p.role != "student"]
    lincoln = [p for p in people if p.school == 0]
    roosevelt = [p for p in people if p.school == 1]
    return [
        DemoCampaign(
            "snow-day",
            demo_draft(
                "Snow day: all schools closed Monday",
                M.MESSAGE_TYPE_EMERGENCY,
                [M.DELIVERY_MODE_VOICE, M.DELIVERY_MODE_TEXT],
                calendar_ids,
                ["Guardians", "Staff"],
                "Due to heavy snow, all district schools are closed Monday. Stay safe. "
                "Press 0 to confirm you received this message.",
            ),
            everyone_but_students,
        ),
        DemoCampaign(
            "picture-day",
            demo_draft(
                "Picture day is Thursday",
                M.MESSAGE_TYPE_GENERAL,
                [M.DELIVERY_MODE_EMAIL, M.DELIVERY_MODE_INBOX],
                calendar_ids[:1],
                ["Guardians", "Students"],
                "Picture day at Lincoln Elementary is this Thursday. Order forms are attached.",
                attachment="picture-day-order-form.pdf",
            ),
            [p for p in lincoln if p.role != "staff"],
        ),
        DemoCampaign(
            "bus-route",
            demo_draft(
                "Bus route 12 changes next week",
                M.MESSAGE_TYPE_PRIORITY,
                [
                    M.DELIVERY_MODE_INBOX,
                    M.DELIVERY_MODE_EMAIL,
                    M.DELIVERY_MODE_VOICE,
                    M.DELIVERY_MODE_TEXT,
                ],
                calendar_ids[1:2],
                ["Guardians", "Staff"],
                "Starting next Monday, bus route 12 picks up ten minutes earlier.",
            ),
            [p for p in roosevelt if p.role != "student"],
        ),
        DemoCampaign(
            "fundraiser",
            demo_draft(
                "Fundraiser reminder",
                M.MESSAGE_TYPE_GENERAL,
                [M.DELIVERY_MODE_VOICE],
                calendar_ids,
                ["Guardians"],
                "Reminder: the school fundraiser ends Friday.",
            ),
            [p for p in people if p.role == "guardian"],
            cancel_after_seconds=1.0,
        ),
    ]
