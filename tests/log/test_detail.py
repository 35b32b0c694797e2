"""GetMessage: every Message Detail field, counters per the counting rules of docs/statuses.md."""

from __future__ import annotations

import grpc

from smlog.v1.common_pb2 import DeliveryMode, MessageStatus, MessageType
from smlog.v1.log_pb2 import GetMessageRequest
from tests.support.builders import (
    EMAIL,
    INBOX,
    SECOND,
    T0,
    TEXT,
    VOICE,
    Device,
    Person,
    add_campaign,
    add_district,
    add_message,
    add_mode_stats,
)
from tests.support.campaign import seed_campaign
from tests.support.log import LogEnv, rpc_error

M = DeliveryMode


def figures(mode: object) -> tuple[int, ...]:
    return (
        mode.total_devices,  # type: ignore[attr-defined]
        mode.total_attempts,  # type: ignore[attr-defined]
        mode.total_successful,  # type: ignore[attr-defined]
        mode.total_error,  # type: ignore[attr-defined]
        mode.total_canceled,  # type: ignore[attr-defined]
        mode.total_pending,  # type: ignore[attr-defined]
    )


async def test_detail_of_a_campaign_with_redials_suppressions_and_cancellation(
    env: LogEnv,
) -> None:
    mid = await seed_campaign(env.db)
    d = (await env.stub().GetMessage(GetMessageRequest(message_id=mid))).message
    assert d.message_id == mid
    assert d.status == MessageStatus.MESSAGE_STATUS_CANCELED
    g = d.general_criteria
    assert g.district.district_id == 1
    assert g.district.name == "Springfield Public Schools"
    assert g.district.time_zone == "America/Chicago"
    assert [(c.school_name, c.school_year) for c in g.calendars] == [("Lincoln High", "2025-26")]
    assert g.message_type == MessageType.MESSAGE_TYPE_EMERGENCY
    assert list(g.delivery_modes) == [
        M.DELIVERY_MODE_EMAIL,
        M.DELIVERY_MODE_VOICE,
        M.DELIVERY_MODE_TEXT,
    ]
    assert list(g.recipient_groups) == ["Guardians", "Staff"]
    # Ann, Ben, Cat, Dan, Eve, Gus: Gus shares Ann's phone and is still a person of his own.
    assert g.total_recipient_count == 6
    assert g.recipients_with_no_device == 1  # Eve
    assert g.preferred_language == "es"
    t = d.tool_criteria
    assert (t.school_year, t.active_students_only, dict(t.other)) == (
        "2025-26",
        True,
        {"Grade": "9-12"},
    )

    info = d.delivery_information
    assert info.complete
    assert info.total_message_duration.ToSeconds() == 120  # Ben's third no-answer
    modes = {m.delivery_mode: m for m in info.modes}
    assert [m.delivery_mode for m in info.modes] == [
        M.DELIVERY_MODE_EMAIL,
        M.DELIVERY_MODE_VOICE,
        M.DELIVERY_MODE_TEXT,
    ]
    # devices, attempts, successful, error, canceled, pending
    # Email: Ann sent; Ben vendor error.
    assert figures(modes[EMAIL]) == (2, 2, 1, 1, 0, 0)
    # Voice: Ann busy, busy, completed (one success, three attempts); Ben no answer x3
    # (successful group) and his second number failed; Cat canceled before any attempt;
    # Gus completed.
    assert figures(modes[VOICE]) == (5, 8, 3, 1, 1, 0)
    # Text: Ann delivered; Cat's extension not eligible; Dan opted out (both successful).
    assert figures(modes[TEXT]) == (3, 1, 3, 0, 0, 0)
    # First attempts: Email waits for Ben's (25 s); Voice for Ben's first number (40 s), not
    # his redials or his second number; Text only for Ann (suppressed devices are not eligible).
    assert modes[EMAIL].first_attempt_duration.ToSeconds() == 25
    assert modes[VOICE].first_attempt_duration.ToSeconds() == 40
    assert modes[TEXT].first_attempt_duration.ToSeconds() == 10
    assert all(m.first_attempt_complete for m in info.modes)

    md = d.message_details
    assert (md.sender.user_id, md.sender.display_name) == ("alice", "Alice Park")
    assert md.sent_time.ToMicroseconds() == T0
    assert md.dispatch_end_time.ToMicroseconds() == T0 + 120 * SECOND
    assert md.subject == "Shelter in place"
    assert md.content.email_body == "Stay inside."
    assert md.content.voice_script == "Stay inside."
    assert md.content.text_body == "Stay"
    assert md.content.inbox_body == ""
    assert (md.has_attachment, md.attachment_name) == (True, "map.pdf")


async def test_in_progress_message_shows_live_figures(env: LogEnv) -> None:
    await add_district(env.db, 1)
    people = [
        Person("Ann", devices=[Device(VOICE, "+15555550101", ["busy", "queued"])]),
        Person("Ben", devices=[Device(TEXT, "+15555550102", ["sent"])]),  # not final for text
        Person("Cat", devices=[Device(TEXT, "+15555550103", ["delivered"])]),
    ]
    mid = await add_campaign(env.db, district_id=1, recipients=people, sent_time=T0)
    stub = env.stub()
    d = (await stub.GetMessage(GetMessageRequest(message_id=mid))).message
    assert d.status == MessageStatus.MESSAGE_STATUS_IN_PROGRESS
    info = d.delivery_information
    assert not info.complete
    assert info.total_message_duration.ToMicroseconds() > 0
    assert not d.message_details.HasField("dispatch_end_time")
    voice, text = info.modes
    assert figures(voice) == (1, 2, 0, 0, 0, 1)
    assert voice.first_attempt_complete  # the busy first attempt was answered
    assert voice.first_attempt_duration.ToSeconds() == 10
    assert figures(text) == (2, 2, 1, 0, 0, 1)
    assert not text.first_attempt_complete  # Ben's first text has no final status yet
    # A status arrives (dispatch updates the counters): the next read shows it.
    async with env.db.transaction() as tx:
        await tx.execute(
            "UPDATE message_mode_stats SET total_successful = 2, first_attempt_pending = 0,"
            " first_attempt_end_time = ? WHERE message_id = ? AND mode = ?",
            (T0 + 30 * SECOND, mid, TEXT),
        )
    later = (await stub.GetMessage(GetMessageRequest(message_id=mid))).message
    text = later.delivery_information.modes[1]
    assert figures(text) == (2, 2, 2, 0, 0, 0)
    assert text.first_attempt_complete
    assert text.first_attempt_duration.ToSeconds() == 30


async def test_every_selected_mode_is_listed_even_without_stats(env: LogEnv) -> None:
    await add_district(env.db, 1)
    mid = await add_message(env.db, district_id=1, modes=[VOICE, INBOX], end_time=T0 + 5 * SECOND)
    await add_mode_stats(
        env.db,
        mid,
        VOICE,
        total_devices=4,
        total_attempts=6,
        total_successful=3,
        total_error=1,
        first_attempt_end_time=T0 + 3 * SECOND,
    )
    info = (await env.stub().GetMessage(GetMessageRequest(message_id=mid))).message
    modes = info.delivery_information.modes
    assert [m.delivery_mode for m in modes] == [M.DELIVERY_MODE_INBOX, M.DELIVERY_MODE_VOICE]
    assert figures(modes[0]) == (0, 0, 0, 0, 0, 0)
    assert modes[0].first_attempt_complete
    assert modes[0].first_attempt_duration.ToMicroseconds() == 0
    assert figures(modes[1]) == (4, 6, 3, 1, 0, 0)
    assert modes[1].first_attempt_duration.ToSeconds() == 3
    assert info.delivery_information.total_message_duration.ToSeconds() == 5


async def test_unknown_and_draft_messages_are_not_found(env: LogEnv) -> None:
    await add_district(env.db, 1)
    draft = await add_message(env.db, district_id=1, sent_time=None, status=6)
    stub = env.stub()
    for mid in (draft, 424242):
        err = await rpc_error(stub.GetMessage(GetMessageRequest(message_id=mid)))
        assert err.code() == grpc.StatusCode.NOT_FOUND
        assert err.details() == f"message {mid} not found"
    err = await rpc_error(stub.GetMessage(GetMessageRequest(message_id=0)))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (err.details() or "").startswith("message_id:")
