"""Every row of the vendor mapping tables, and the fallback for unknown codes."""

from __future__ import annotations

import pytest

from smlog.services.status.mapping import (
    MAILGUN_DETAIL_RANKS,
    VOXOLOGY_CALL_STATUSES,
    VOXOLOGY_SMS_STATUSES,
    mailgun_detail_rank,
    map_mailgun,
    map_voxology_call,
    map_voxology_sms,
)
from smlog.v1.common_pb2 import DeviceStatus as S

CALL_ROWS = [
    ("queued", "", S.DEVICE_STATUS_IN_PROGRESS),
    ("initiated", "", S.DEVICE_STATUS_IN_PROGRESS),
    ("ringing", "", S.DEVICE_STATUS_IN_PROGRESS),
    ("answered", "", S.DEVICE_STATUS_IN_PROGRESS),
    ("completed", "0", S.DEVICE_STATUS_COMPLETED),
    ("completed", "10", S.DEVICE_STATUS_COMPLETED),
    ("completed", "", S.DEVICE_STATUS_NOT_CONFIRMED),
    ("completed", "5", S.DEVICE_STATUS_NOT_CONFIRMED),
    ("busy", "", S.DEVICE_STATUS_BUSY),
    ("no-answer", "", S.DEVICE_STATUS_NO_ANSWER),
    ("failed", "", S.DEVICE_STATUS_FAILED),
]


@pytest.mark.parametrize(("code", "digits", "expected"), CALL_ROWS)
def test_voxology_call_rows(code: str, digits: str, expected: int) -> None:
    mapped = map_voxology_call(code, digits)
    assert mapped.known
    assert mapped.status == expected


def test_call_rows_cover_the_table() -> None:
    assert {code for code, _, _ in CALL_ROWS} == set(VOXOLOGY_CALL_STATUSES)


def test_call_detail_keeps_digits_and_duration() -> None:
    assert map_voxology_call("completed", "0", 31).detail == "digits pressed: 0; duration: 31 s"


SMS_ROWS = [
    ("queued", S.DEVICE_STATUS_IN_PROGRESS),
    ("sending", S.DEVICE_STATUS_IN_PROGRESS),
    ("sent", S.DEVICE_STATUS_SENT),
    ("delivered", S.DEVICE_STATUS_DELIVERED),
    ("undelivered", S.DEVICE_STATUS_UNDELIVERED),
    ("failed", S.DEVICE_STATUS_FAILED),
]


@pytest.mark.parametrize(("code", "expected"), SMS_ROWS)
def test_voxology_sms_rows(code: str, expected: int) -> None:
    mapped = map_voxology_sms(code)
    assert mapped.known
    assert mapped.status == expected


def test_sms_rows_cover_the_table() -> None:
    assert {code for code, _ in SMS_ROWS} == set(VOXOLOGY_SMS_STATUSES)


def test_sms_detail_keeps_error_code_and_message() -> None:
    mapped = map_voxology_sms("undelivered", "30006", "landline or unreachable carrier")
    assert mapped.detail == "30006: landline or unreachable carrier"


MAILGUN_ROWS = [
    ("accepted", "", "", None, "accepted"),
    ("delivered", "", "", 2, "delivered"),
    ("opened", "", "", 3, "opened"),
    ("clicked", "", "", 4, "clicked"),
    ("complained", "", "", 5, "complained"),
    ("failed", "temporary", "mailbox full", 1, "failed (temporary): mailbox full"),
    (
        "failed",
        "permanent",
        "mailbox does not exist",
        6,
        "failed (permanent): mailbox does not exist",
    ),
]


@pytest.mark.parametrize(("event", "severity", "reason", "rank", "detail"), MAILGUN_ROWS)
def test_mailgun_rows_never_change_status(
    event: str, severity: str, reason: str, rank: int | None, detail: str
) -> None:
    mapped = map_mailgun(event, severity, reason)
    assert mapped.known
    assert mapped.status is None
    assert mapped.detail_rank == rank
    assert mapped.detail == detail
    assert mailgun_detail_rank(event, detail) == (rank or 0)


def test_mailgun_rows_cover_the_table() -> None:
    keys = {e if e != "failed" else f"failed/{s}" for e, s, _, _, _ in MAILGUN_ROWS}
    assert keys == set(MAILGUN_DETAIL_RANKS)


@pytest.mark.parametrize(
    "mapper",
    [
        lambda code: map_voxology_call(code),
        lambda code: map_voxology_sms(code),
        lambda code: map_mailgun(code),
    ],
)
@pytest.mark.parametrize("code", ["", "exploded", "COMPLETED", "x" * 500, "sent\x00"])
def test_unknown_codes_fall_back_to_history_only(mapper: object, code: str) -> None:
    mapped = mapper(code)  # type: ignore[operator]
    assert not mapped.known
    assert mapped.status is None
