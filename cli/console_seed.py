"""A small Springfield for the web console's browser tests and screenshots: the demo
district's schools and people, messages of every type from two senders (more than one page of
them), Text Opt Out entries, a general voice call held by the dialing window (so it stays In
Progress until someone cancels it), and, on demand, an emergency call still waiting for its
vendor's answer (its figures move while a page watches)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from smlog.cli.campaigns import send_campaign
from smlog.cli.demo.campaigns import demo_draft
from smlog.cli.demo.people import SCHOOL_YEAR, SCHOOLS, build_district, phones
from smlog.cli.demo.run import opt_out_numbers
from smlog.cli.stackrun import DISTRICT_ID, operator_metadata, sender_token
from smlog.config import Settings
from smlog.runtime import open_channel
from smlog.v1 import common_pb2, dispatch_pb2, dispatch_pb2_grpc

M = common_pb2
ZONE = "America/Chicago"
CALENDAR_IDS = (10, 11, 12)
SENDER = ("principal.skinner", "Principal Skinner")
OTHER_SENDER = ("superintendent.chalmers", "Superintendent Chalmers")


PEOPLE = 80  # the seed's audience: build_district(PEOPLE)


@dataclass(frozen=True)
class ConsoleSeed:
    snow_day: int  # Emergency voice + text, Principal Skinner, every calendar
    picture_day: int  # General email + inbox with an attachment, Lincoln Elementary
    bus_route: int  # Priority inbox + email, Roosevelt Middle School
    reminder: int  # General voice held by the dialing window: In Progress until canceled
    filler: int  # how many one-line lunch menus Superintendent Chalmers sent


def held_window(now: dt.datetime) -> common_pb2.DialingWindow:
    """A dialing window an hour long that starts two hours from ``now`` (local)."""
    minute = now.hour * 60 + now.minute
    start = (minute + 120) % 1440
    return M.DialingWindow(start_minute=start, end_minute=min(start + 60, 1440))


def _draft(
    subject: str,
    message_type: common_pb2.MessageType.ValueType,
    modes: list[common_pb2.DeliveryMode.ValueType],
    calendars: list[int],
    body: str,
    attachment: str = "",
) -> dispatch_pb2.MessageDraft:
    return demo_draft(
        subject,
        message_type,
        modes,
        calendars,
        ["Guardians", "Staff"],
        body,
        attachment,
    )


async def seed_console(settings: Settings, *, people: int = PEOPLE,
                       filler: int = 52) -> ConsoleSeed:  # fmt: skip
    """Sends everything through the dispatch service, as the senders themselves."""
    district = build_district(people)
    audience = [p.recipient() for p in district]
    async with open_channel(settings.target("dispatch"), token=sender_token(settings, *SENDER,
                            )) as channel:  # fmt: skip
        stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
        now = dt.datetime.now(ZoneInfo(ZONE))
        await stub.UpsertDistrict(
            dispatch_pb2.UpsertDistrictRequest(
                district=M.District(
                    district_id=DISTRICT_ID, name="Springfield Public Schools", time_zone=ZONE,
                    dialing_window=held_window(now), sms_short_code=settings.voxology_short_code,
                ),
                calendars=[M.Calendar(calendar_id=c, school_name=s, school_year=SCHOOL_YEAR)
                           for c, s in zip(CALENDAR_IDS, SCHOOLS, strict=True)],
            ),
            metadata=operator_metadata(settings),  # the short code is an operator's setting
        )  # fmt: skip
        await opt_out_numbers(settings, phones(district)[:2])
        snow = await send_campaign(stub, "console-snow", _draft(
            "Snow day: schools closed", M.MESSAGE_TYPE_EMERGENCY,
            [M.DELIVERY_MODE_VOICE, M.DELIVERY_MODE_TEXT], list(CALENDAR_IDS),
            "All Springfield schools are closed today because of snow."), audience)  # fmt: skip
        picture = await send_campaign(stub, "console-picture", _draft(
            "Picture day on Friday", M.MESSAGE_TYPE_GENERAL,
            [M.DELIVERY_MODE_EMAIL, M.DELIVERY_MODE_INBOX], [CALENDAR_IDS[0]],
            "Picture day is this Friday. The order form is attached.", "order-form.pdf"),
            audience[: people // 2])  # fmt: skip
        bus = await send_campaign(stub, "console-bus", _draft(
            "Bus route 12 changes", M.MESSAGE_TYPE_PRIORITY,
            [M.DELIVERY_MODE_INBOX, M.DELIVERY_MODE_EMAIL], [CALENDAR_IDS[1]],
            "From Monday, bus 12 stops at Evergreen Terrace at 7:40."), audience[:20])  # fmt: skip
        reminder = await send_campaign(stub, "console-reminder", _draft(
            "Parent conferences tonight", M.MESSAGE_TYPE_GENERAL, [M.DELIVERY_MODE_VOICE],
            [CALENDAR_IDS[2]], "Parent conferences start at 6 pm tonight."),
            audience)  # fmt: skip
    async with open_channel(settings.target("dispatch"), token=sender_token(settings,
                            *OTHER_SENDER)) as channel:  # fmt: skip
        stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
        for week in range(1, filler + 1):
            await send_campaign(stub, f"console-lunch-{week}", _draft(
                f"Lunch menu, week {week}", M.MESSAGE_TYPE_GENERAL, [M.DELIVERY_MODE_INBOX],
                [CALENDAR_IDS[week % 3]], f"The lunch menu for week {week}."),
                audience[:3])  # fmt: skip
    return ConsoleSeed(snow, picture, bus, reminder, filler)


async def send_waiting_call(settings: Settings, key: str) -> int:
    """An emergency call that one number answers at once and one never answers, so the message
    stays In Progress until the voice status deadline passes."""
    person = dispatch_pb2.Recipient(
        person_id=f"{key}-1", name="Marge Simpson", student_name="Bart Simpson",
        devices=[dispatch_pb2.Device(device_type=dispatch_pb2.DEVICE_TYPE_PHONE,
                                     address="+15555550105"),
                 dispatch_pb2.Device(device_type=dispatch_pb2.DEVICE_TYPE_PHONE,
                                     address="+15555550100")],
    )  # fmt: skip
    async with open_channel(settings.target("dispatch"), token=sender_token(settings, *SENDER)
                            ) as channel:  # fmt: skip
        stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
        return await send_campaign(stub, key, _draft(
            "Gas leak: early dismissal", M.MESSAGE_TYPE_EMERGENCY, [M.DELIVERY_MODE_VOICE],
            list(CALENDAR_IDS), "Schools dismiss at noon because of a gas leak."),
            [person])  # fmt: skip
