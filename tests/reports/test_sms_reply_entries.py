"""Text Opt In / Text Opt Out entries: written by the status service's inbound path, shown
by the log and the reports as a reply to the short code, never as a delivery."""

from __future__ import annotations

import pytest

from smlog.config import Settings
from smlog.services.status.optout import record_inbound
from smlog.services.status.payloads import InboundText
from smlog.store import Database
from smlog.v1 import log_pb2, reports_pb2
from smlog.v1.common_pb2 import MessageType
from tests.support.builders import add_district
from tests.support.reports import download, read_csv, read_docx, read_pdf, running

F = reports_pb2.ReportFormat
PHONE = "+15555550199"
STOP_SENTENCE = (
    "(***) ***-0199 (Unknown recipient) replied STOP to short code 55555: texts to this number"
    " are Opt-Out (not sent) until it replies START."
)


async def _reply(db: Database, body: str, event: str) -> int:
    async with db.transaction() as tx:
        await record_inbound(tx, InboundText(event, PHONE, "55555", body, 1_790_000_000_000_000), 1)
    row = await db.fetch_one(
        "SELECT id FROM messages WHERE request_id = ?", (f"sms-reply:{event}",)
    )
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize(
    ("body", "message_type", "summary"),
    [
        ("stop", MessageType.MESSAGE_TYPE_TEXT_OPT_OUT, STOP_SENTENCE),
        (
            "START",
            MessageType.MESSAGE_TYPE_TEXT_OPT_IN,
            "(***) ***-0199 (Unknown recipient) replied START to short code 55555: this number"
            " receives texts again.",
        ),
    ],
)
async def test_an_entry_says_what_happened_and_shows_no_delivery(
    settings: Settings, body: str, message_type: int, summary: str
) -> None:
    async with running(settings) as env:
        await add_district(env.db)
        message_id = await _reply(env.db, body, "ev1")
        log = env.log()
        listed = await log.ListMessages(log_pb2.ListMessagesRequest())
        [entry] = listed.messages
        assert entry.message_type == message_type
        assert entry.subject.endswith(f"{body.upper()} from (***) ***-0199")  # masked
        detail = (await log.GetMessage(log_pb2.GetMessageRequest(message_id=message_id))).message
        reply = detail.sms_reply
        assert (reply.phone, reply.keyword, reply.short_code) == (
            "(***) ***-0199",
            body.upper(),
            "55555",
        )
        assert reply.summary == summary
        assert list(detail.delivery_information.modes) == []  # no counters
        assert detail.general_criteria.total_recipient_count == 0
        rows = await log.ListDeliveries(log_pb2.ListDeliveriesRequest(message_id=message_id))
        assert list(rows.deliveries) == []  # no recipient row posing as a delivery

        def request(fmt: int) -> reports_pb2.BuildReportRequest:
            return reports_pb2.BuildReportRequest(message_id=message_id, format=fmt)  # type: ignore[arg-type]

        csv_report = read_csv((await download(env.reports(), request(F.REPORT_FORMAT_CSV))).data)
        assert csv_report.summary["What Happened"] == [summary]
        assert not any("Total Attempts" in label for label in csv_report.summary)
        assert "Total Message Duration" not in csv_report.summary
        docx_report = read_docx((await download(env.reports(), request(F.REPORT_FORMAT_DOCX))).data)
        assert docx_report.header["What Happened"] == summary
        assert docx_report.summary == {}
        pdf_text = read_pdf((await download(env.reports(), request(F.REPORT_FORMAT_PDF))).data)
        assert "What Happened" in pdf_text[0]
        assert "replied " + body.upper() in pdf_text[0]
        assert "Total Attempts" not in pdf_text[0]
