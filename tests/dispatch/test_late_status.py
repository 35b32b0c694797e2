"""A real answer beats a timeout: a vendor status that arrives after the status deadline
closed a call as No Call Status replaces it everywhere a user looks (docs/statuses.md)."""

from __future__ import annotations

from smlog.v1 import common_pb2 as c
from smlog.v1 import log_pb2, reports_pb2
from tests.dispatch.people import VOICE_SILENT, M, person, phone
from tests.support.dispatch import Harness
from tests.support.reports import download, read_csv, running
from tests.support.waiting import wait_for

S, MS = c.DeviceStatus, c.MessageStatus
V = M.DELIVERY_MODE_VOICE


def _figures(mode: c.ModeDelivery) -> tuple[int, ...]:
    return (
        mode.total_devices,
        mode.total_attempts,
        mode.total_successful,
        mode.total_error,
        mode.total_pending,
    )


async def test_a_late_vendor_status_replaces_the_deadlines_no_call_status(make: object) -> None:
    h: Harness = await make(voice_status_deadline_seconds=0.3)  # type: ignore[operator]
    message_id = await h.send([person("s", phone(VOICE_SILENT, modes=(V,)))], [V])
    first = await h.finished(message_id)
    assert first.status == MS.MESSAGE_STATUS_SENT
    assert _figures(first.modes[0]) == (1, 1, 1, 0, 0)
    [attempt] = await h.attempts(message_id)
    attempt_id, request_time = int(attempt["id"]), int(attempt["request_time"])
    assert attempt["status"] == S.DEVICE_STATUS_NO_CALL_STATUS
    closed = await h.db.fetch_one("SELECT end_time FROM messages WHERE id = ?", (message_id,))
    assert closed is not None

    # The vendor's Failed, 0.1 s after the request, is applied only now: the deadline's
    # status gives way to it, the message is recounted, and no redial is placed.
    answered = request_time + 100_000
    await h.report(attempt_id, S.DEVICE_STATUS_FAILED, answered)

    async def errored() -> bool:
        row = await h.db.fetch_one("SELECT status FROM messages WHERE id = ?", (message_id,))
        return row is not None and int(row[0]) == MS.MESSAGE_STATUS_ERRORED

    await wait_for(errored)
    [attempt] = await h.attempts(message_id)
    assert (attempt["status"], attempt["is_final"]) == (S.DEVICE_STATUS_FAILED, 1)
    [target] = await h.targets(message_id)
    assert (target["status"], target["is_final"], target["attempt_count"]) == (
        S.DEVICE_STATUS_FAILED,
        1,
        1,
    )
    history = await h.db.fetch_all(
        "SELECT status, source, changed_status FROM attempt_events WHERE attempt_id = ?"
        " ORDER BY id",
        (attempt_id,),
    )
    assert [(r[0], r[1], r[2]) for r in history] == [
        (S.DEVICE_STATUS_NO_CALL_STATUS, "deadline", 1),
        (S.DEVICE_STATUS_FAILED, "test", 1),
    ]
    end = await h.db.fetch_one(
        "SELECT m.end_time, m.sent_time, s.first_attempt_end_time FROM messages m"
        " JOIN message_mode_stats s ON s.message_id = m.id WHERE m.id = ?",
        (message_id,),
    )
    assert end is not None
    assert int(end[0]) == answered < int(closed[0])  # the real status's time, not the deadline's
    assert int(end[2]) == answered

    async with running(h.settings) as env:
        detail = (
            await env.log().GetMessage(log_pb2.GetMessageRequest(message_id=message_id))
        ).message
        assert detail.status == MS.MESSAGE_STATUS_ERRORED
        [voice] = detail.delivery_information.modes
        assert _figures(voice) == (1, 1, 0, 1, 0)
        took = voice.first_attempt_duration
        assert took.seconds * 1_000_000 + took.nanos // 1000 == answered - int(end[1])
        deliveries = await env.log().ListDeliveries(
            log_pb2.ListDeliveriesRequest(message_id=message_id)
        )
        assert [(d.status, d.status_group) for d in deliveries.deliveries] == [
            (S.DEVICE_STATUS_FAILED, c.StatusGroup.STATUS_GROUP_ERROR)
        ]
        request = reports_pb2.BuildReportRequest(
            message_id=message_id,
            format=reports_pb2.ReportFormat.REPORT_FORMAT_CSV,
        )
        report = read_csv((await download(env.reports(), request)).data)
        assert report.summary["Voice Total Failed"][0] == "1"
        assert report.summary["Voice Total Success"][0] == "0"
        [row] = report.table[1:]
        assert "Failed" in row
        assert "No Call Status" not in row
