"""Every vendor outcome through the simulators: redials, press-0, 400/500/429, deadlines."""

from __future__ import annotations

from typing import Any

import pytest

from smlog.services.dispatch import loops as loops_module
from smlog.v1 import common_pb2 as c
from tests.dispatch.people import (
    BUSY_BUSY_OK,
    REQ_400,
    REQ_429,
    REQ_500,
    TEXT_SILENT,
    TEXT_UNDELIVERED,
    VOICE_BUSY,
    VOICE_FAILED,
    VOICE_NO_ANSWER,
    VOICE_NOT_CONFIRMED,
    VOICE_OK,
    VOICE_SILENT,
    M,
    person,
    phone,
)
from tests.support.dispatch import Harness, S

MS = c.MessageStatus
V = M.DELIVERY_MODE_VOICE
T = M.DELIVERY_MODE_TEXT


async def _attempt_statuses(h: Harness, message_id: int) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for row in await h.attempts(message_id):
        found.setdefault(str(row[5]), []).append(int(row[3]))
    return found


async def test_busy_busy_completed_is_one_successful_device(h: Harness) -> None:
    message_id = await h.send([person("p", phone(BUSY_BUSY_OK, modes=(V,)))], [V])
    progress = await h.finished(message_id)
    assert progress.status == MS.MESSAGE_STATUS_SENT
    voice = progress.modes[0]
    assert (voice.total_devices, voice.total_attempts, voice.total_successful) == (1, 3, 1)
    assert voice.total_error == 0
    assert (await _attempt_statuses(h, message_id))[BUSY_BUSY_OK] == [
        S.DEVICE_STATUS_BUSY,
        S.DEVICE_STATUS_BUSY,
        S.DEVICE_STATUS_COMPLETED,
    ]
    assert await h.sim_accepted("voxology", BUSY_BUSY_OK) == {"call": 3, "sms": 0}


async def test_redials_stop_at_the_configured_attempts(h: Harness) -> None:
    people = [
        person("busy", phone(VOICE_BUSY, modes=(V,))),
        person("noanswer", phone(VOICE_NO_ANSWER, modes=(V,))),
        person("failed", phone(VOICE_FAILED, modes=(V,))),
    ]
    message_id = await h.send(people, [V])
    progress = await h.finished(message_id)
    attempts = await _attempt_statuses(h, message_id)
    assert attempts[VOICE_BUSY] == [S.DEVICE_STATUS_BUSY] * 3
    assert attempts[VOICE_NO_ANSWER] == [S.DEVICE_STATUS_NO_ANSWER] * 3
    assert attempts[VOICE_FAILED] == [S.DEVICE_STATUS_FAILED] * 3
    voice = progress.modes[0]
    # Busy and No Answer are in the successful group (docs/statuses.md), Failed in the error group.
    assert (voice.total_attempts, voice.total_successful, voice.total_error) == (9, 2, 1)
    assert progress.status == MS.MESSAGE_STATUS_SENT


async def test_press_zero(h: Harness) -> None:
    people = [
        person("a", phone(VOICE_OK, modes=(V,))),
        person("b", phone(VOICE_NOT_CONFIRMED, modes=(V,))),
    ]
    message_id = await h.send(people, [V])
    await h.finished(message_id)
    statuses = {r[1]: r[2] for r in await h.targets(message_id)}
    assert statuses[VOICE_OK] == S.DEVICE_STATUS_COMPLETED
    assert statuses[VOICE_NOT_CONFIRMED] == S.DEVICE_STATUS_NOT_CONFIRMED


async def test_request_errors(h: Harness) -> None:
    people = [
        person("a", phone(REQ_400, modes=(V,))),
        person("b", phone(REQ_500, modes=(V,))),
        person("c", phone(REQ_429, modes=(V,))),
    ]
    message_id = await h.send(people, [V])
    progress = await h.finished(message_id)
    statuses = {r[1]: r[2] for r in await h.targets(message_id)}
    assert statuses == {
        REQ_400: S.DEVICE_STATUS_ERROR,
        REQ_500: S.DEVICE_STATUS_VENDOR_ERROR,
        REQ_429: S.DEVICE_STATUS_VENDOR_ERROR,
    }
    assert progress.status == MS.MESSAGE_STATUS_ERRORED
    voice = progress.modes[0]
    assert (voice.total_attempts, voice.total_error) == (3, 3)
    assert voice.first_attempt_complete
    rows = await h.db.fetch_all("SELECT vendor_code, request_time FROM attempts ORDER BY id")
    assert [r[0] for r in rows] == ["invalid_number", "500", "429"]
    assert all(r[1] is None for r in rows)


async def test_text_outcomes_and_deadlines(make: object) -> None:
    h: Harness = await make(  # type: ignore[operator]
        voice_status_deadline_seconds=0.3, text_status_deadline_seconds=0.3
    )
    people = [
        person("u", phone(TEXT_UNDELIVERED, modes=(T,))),
        person("s", phone(TEXT_SILENT, modes=(T,))),
        person("v", phone(VOICE_SILENT, modes=(V,))),
    ]
    message_id = await h.send(people, [V, T])
    progress = await h.finished(message_id)
    statuses = {(r[0], r[1]): r[2] for r in await h.targets(message_id)}
    assert statuses[(T, TEXT_UNDELIVERED)] == S.DEVICE_STATUS_UNDELIVERED
    assert statuses[(T, TEXT_SILENT)] in (S.DEVICE_STATUS_SENT, S.DEVICE_STATUS_NO_CALL_STATUS)
    assert statuses[(V, VOICE_SILENT)] == S.DEVICE_STATUS_NO_CALL_STATUS
    assert progress.status == MS.MESSAGE_STATUS_SENT


async def test_a_send_that_fails_before_the_vendor_is_retried_then_closed(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store or bug failure before the request (not a vendor answer) must not leave an
    attempt waiting for a restart: it is retried under the same key, then Vendor Error."""
    monkeypatch.setattr(loops_module, "SEND_RETRY_SECONDS", 0.01)
    calls: dict[str, int] = {}

    async def flaky(job: Any) -> None:
        to = job.address
        calls[to] = calls.get(to, 0) + 1
        if to == VOICE_BUSY or calls[to] == 1:  # one number always fails, the other once
            raise RuntimeError("catalog read failed")

    h.engine.faults.before_send = flaky
    message_id = await h.send(
        [person("a", phone(VOICE_OK, modes=(V,))), person("b", phone(VOICE_BUSY, modes=(V,)))],
        [V],
    )
    progress = await h.finished(message_id)
    statuses = await _attempt_statuses(h, message_id)
    assert statuses[VOICE_OK] == [S.DEVICE_STATUS_COMPLETED]
    assert statuses[VOICE_BUSY] == [S.DEVICE_STATUS_VENDOR_ERROR]
    assert calls == {VOICE_OK: 2, VOICE_BUSY: 3}
    voice = progress.modes[0]
    assert (voice.total_successful, voice.total_error) == (1, 1)
    assert await h.sim_accepted("voxology", VOICE_OK) == {"call": 1, "sms": 0}
