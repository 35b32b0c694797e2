"""Each mode's happy path through the real simulators, with counters checked."""

from __future__ import annotations

from tests.dispatch.people import TEXT_OK, VOICE_OK, M, email, inbox, person, phone
from tests.support.dispatch import Harness, S

MS = __import__("smlog.v1.common_pb2", fromlist=["MessageStatus"]).MessageStatus
V = M.DELIVERY_MODE_VOICE


def _mode(progress: object, mode: int) -> object:
    return next(m for m in progress.modes if m.delivery_mode == mode)  # type: ignore[attr-defined]


async def test_all_four_modes(h: Harness) -> None:
    people = [
        person(
            "p1",
            inbox("acct-1"),
            email("p1@example.org"),
            phone(VOICE_OK, modes=(V,)),
            phone(TEXT_OK, modes=(M.DELIVERY_MODE_TEXT,)),
        ),
        person("p2", inbox("acct-2"), email("p2@example.org"), phone(VOICE_OK, modes=(V,))),
    ]
    message_id = await h.send(
        people,
        [M.DELIVERY_MODE_INBOX, M.DELIVERY_MODE_EMAIL, M.DELIVERY_MODE_VOICE, M.DELIVERY_MODE_TEXT],
    )
    progress = await h.finished(message_id)
    assert progress.status == MS.MESSAGE_STATUS_SENT
    assert progress.total_recipients == 2
    # p2 has no text device but is reached by the others: not a recipient with no device.
    assert progress.recipients_with_no_device == 0
    inbox_m = _mode(progress, M.DELIVERY_MODE_INBOX)
    assert (inbox_m.total_devices, inbox_m.total_attempts, inbox_m.total_successful) == (2, 2, 2)
    email_m = _mode(progress, M.DELIVERY_MODE_EMAIL)
    assert (email_m.total_devices, email_m.total_attempts, email_m.total_successful) == (2, 2, 2)
    text_m = _mode(progress, M.DELIVERY_MODE_TEXT)
    assert (text_m.total_devices, text_m.total_attempts, text_m.total_successful) == (1, 1, 1)
    for mode in progress.modes:
        assert mode.first_attempt_complete
        assert mode.total_pending == 0
    statuses = {(r[0], r[1]): r[2] for r in await h.targets(message_id)}
    assert statuses[(M.DELIVERY_MODE_VOICE, VOICE_OK)] == S.DEVICE_STATUS_COMPLETED
    assert statuses[(M.DELIVERY_MODE_TEXT, TEXT_OK)] == S.DEVICE_STATUS_DELIVERED
    assert statuses[(M.DELIVERY_MODE_EMAIL, "p1@example.org")] == S.DEVICE_STATUS_SENT
    assert statuses[(M.DELIVERY_MODE_INBOX, "acct-1")] == S.DEVICE_STATUS_SENT
    items = await h.db.fetch_all("SELECT portal_account FROM inbox_items ORDER BY id")
    assert [r[0] for r in items] == ["acct-1", "acct-2"]
