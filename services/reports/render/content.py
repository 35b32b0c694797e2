"""The report's words and figures, once, for every format: header, Delivery Summary,
Message Duration and the Recipient Details cells of a row.

Labels and explanations follow the seed's "Build Reports", "Delivery Summary", "Message
Duration" and "Recipient Details" sections.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from smlog.domain import status_label
from smlog.domain.labels import (
    format_count,
    format_duration,
    message_status_label,
    mode_label,
    type_label,
)
from smlog.services.reports.render.cells import clean
from smlog.services.reports.render.context import ReportContext
from smlog.services.reports.render.timefmt import LocalTimes, district_zone, zone_name
from smlog.v1.common_pb2 import DeliveryMode, DeviceStatus
from smlog.v1.log_pb2 import DeliveryInformation

TITLE = "Sent Message Log 2.0 Report"
RECIPIENT_COLUMNS: tuple[str, ...] = (
    "Recipient",
    "Student",
    "Delivery Mode",
    "Device",
    "Status",
    "Time",
    "Vendor Detail",
)
SUMMARY_FIGURES: tuple[str, ...] = (
    "Total Devices",
    "Total Attempts",
    "Total Success",
    "Total Failed",
    "Total Canceled",
)
NO_ROWS_TEXT = "No recipient rows match the selected delivery modes and statuses."

TOTAL_DURATION_TEXT = (
    "The total time for message dispatch to complete from start to finish. It includes "
    "first-contact attempt times, any necessary redials, redial wait windows, and any time "
    "spent waiting for a status response from the vendors."
)
_FIRST_ATTEMPT_TEXT = (
    "Time from the start of message dispatch to complete {what} for eligible {m} recipients."
)
_NOT_INCLUDED = (
    " Does not include additional contact attempts, contact attempts made to additional "
    "phone numbers for recipients, or redial wait times."
)
ZERO_NOTE = "A duration of 0 s means the contact was made in less than a second or instantly."
IN_PROGRESS_NOTE = " (so far; still in progress)"


@dataclass(frozen=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True)
class DurationLine:
    label: str
    value: str
    explanation: str


@dataclass(frozen=True)
class ModeSummary:
    """One mode's Delivery Summary, labelled as the seed does ("Voice Total Attempts")."""

    mode: str
    figures: tuple[Field, ...]


@dataclass(frozen=True)
class ReportContent:
    page_heading: str
    header: tuple[Field, ...]
    summary: tuple[ModeSummary, ...]
    durations: tuple[DurationLine, ...]
    generated: str
    zone: str


def first_attempt_explanation(mode: int) -> str:
    label = mode_label(mode)
    if mode in (DeliveryMode.DELIVERY_MODE_VOICE, DeliveryMode.DELIVERY_MODE_TEXT):
        return _FIRST_ATTEMPT_TEXT.format(what="the first contact attempt", m=label) + _NOT_INCLUDED
    return _FIRST_ATTEMPT_TEXT.format(what="contact attempt", m=label)


def _selection(
    values: tuple[int, ...] | None, every: tuple[int, ...], name: Callable[[int], str]
) -> str:
    if values is None:
        return "All"
    names = ", ".join(name(v) for v in values)
    return f"All ({names})" if every and set(values) == set(every) else names


def build_content(ctx: ReportContext, *, grouped: bool) -> ReportContent:
    """The header, summary and duration texts; ``grouped`` prints counts as "12,345"."""
    detail = ctx.detail
    general = detail.general_criteria
    details = detail.message_details
    info = detail.delivery_information
    zone = district_zone(general.district.time_zone)
    times = LocalTimes(zone, abbreviate=True)

    def count(value: int) -> str:
        return format_count(value, grouped=grouped)

    message_modes = tuple(int(m) for m in general.delivery_modes)
    sent = times(details.sent_time.ToMicroseconds()) if details.HasField("sent_time") else ""
    calendars = "; ".join(f"{c.school_name} ({c.school_year})" for c in general.calendars)
    header = [
        Field("Message ID", str(detail.message_id)),
        Field("Subject", details.subject),
        Field("Message Type", type_label(general.message_type)),
        Field("Sender", details.sender.display_name or details.sender.user_id),
        Field("Time Sent", sent),
        Field("District", general.district.name),
        Field("Time Zone", zone_name(zone)),
        Field("Calendars", calendars),
        Field("Message Status", message_status_label(detail.status)),
        Field("Total Recipient Count", count(general.total_recipient_count)),
    ]
    statuses = ctx.selected_statuses
    reply = detail.sms_reply if detail.HasField("sms_reply") else None
    if reply is not None:
        # A Text Opt In / Opt Out entry is a reply to the short code, not a delivery: the
        # report says what happened instead of delivery figures (empty summary, durations).
        header[-1] = Field("What Happened", reply.summary)
    elif statuses is None or DeviceStatus.DEVICE_STATUS_NO_DEVICE in statuses:
        # The seed: Recipients with No Device only reports when No Device is selected.
        header.append(Field("Recipients with No Device", count(general.recipients_with_no_device)))
    header += [
        Field("Selected Delivery Modes", _selection(ctx.selected_modes, message_modes, mode_label)),
        Field("Selected Statuses", _selection(statuses, (), status_label)),
        Field("Recipient Details Rows", count(ctx.total_rows)),
    ]
    summary = tuple(
        ModeSummary(
            mode_label(m.delivery_mode),
            tuple(
                Field(f"{mode_label(m.delivery_mode)} {name}", count(value))
                for name, value in zip(
                    SUMMARY_FIGURES,
                    (
                        m.total_devices,
                        m.total_attempts,
                        m.total_successful,
                        m.total_error,
                        m.total_canceled,
                    ),
                    strict=True,
                )
            ),
        )
        for m in info.modes
    )
    if reply is not None:
        durations: list[DurationLine] = []
    else:
        durations = _durations(info)
    subject = f": {details.subject}" if details.subject else ""
    return ReportContent(
        page_heading=clean(f"{general.district.name} - Message {detail.message_id}{subject}"),
        header=tuple(Field(f.label, clean(f.value)) for f in header),
        summary=summary,
        durations=tuple(durations),
        generated=times.at(ctx.generated_time),
        zone=zone_name(zone),
    )


def _durations(info: DeliveryInformation) -> list[DurationLine]:
    total = format_duration(info.total_message_duration)
    durations = [
        DurationLine(
            "Total Message Duration",
            total if info.complete else total + IN_PROGRESS_NOTE,
            TOTAL_DURATION_TEXT,
        )
    ]
    for m in info.modes:
        value = format_duration(m.first_attempt_duration)
        durations.append(
            DurationLine(
                f"{mode_label(m.delivery_mode)} First Attempt Duration",
                value if m.first_attempt_complete else value + IN_PROGRESS_NOTE,
                first_attempt_explanation(m.delivery_mode),
            )
        )
    return durations
