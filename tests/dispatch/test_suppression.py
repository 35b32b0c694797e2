"""No Device, Not Eligible and Opt-Out targets: final at once, counted as docs/statuses.md says."""

from __future__ import annotations

from smlog.v1 import common_pb2 as c
from tests.dispatch.people import TEXT_OK, M, email, person, phone
from tests.support.dispatch import Harness, S

MS = c.MessageStatus
T = M.DELIVERY_MODE_TEXT


async def test_suppressed_targets(h: Harness) -> None:
    await h.db_exec(
        "INSERT INTO sms_opt_outs (phone, short_code, opted_out, update_time) VALUES (?, '', 1, 0)",
        ("+15555550199",),
    )
    people = [
        person("ext", phone("+15555550198", extension="12")),
        person("stop", phone("+15555550199")),
        person("none", email("x@example.org")),
        person("ok", phone(TEXT_OK)),
    ]
    message_id = await h.send(people, [T])
    progress = await h.finished(message_id)
    assert progress.status == MS.MESSAGE_STATUS_SENT
    statuses = sorted((r[1], r[2], r[4]) for r in await h.targets(message_id))
    assert statuses == [
        ("", S.DEVICE_STATUS_NO_DEVICE, 0),
        (TEXT_OK, S.DEVICE_STATUS_DELIVERED, 1),
        ("+15555550198", S.DEVICE_STATUS_NOT_ELIGIBLE, 1),
        ("+15555550199", S.DEVICE_STATUS_OPT_OUT, 1),
    ]
    # Not Eligible and Opt-Out are suppressed contacts: one attempt each, never sent.
    assert len(await h.attempts(message_id)) == 1
    text = progress.modes[0]
    assert (text.total_devices, text.total_attempts, text.total_successful) == (3, 3, 3)
    assert progress.recipients_with_no_device == 1
    assert progress.total_recipients == 4


async def test_all_suppressed_ends_at_start(h: Harness) -> None:
    message_id = await h.send([person("ext", phone(TEXT_OK, extension="9"))], [T])
    progress = await h.finished(message_id)
    assert progress.status == MS.MESSAGE_STATUS_SENT
    assert progress.total_message_duration.ToMicroseconds() == 0
    assert progress.modes[0].first_attempt_complete
