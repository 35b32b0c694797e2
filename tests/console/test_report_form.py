"""The Build Report panel's choices and how the file is handed to the browser."""

from __future__ import annotations

from smlog.services.console.report_page import content_disposition, read_report_form
from smlog.v1 import common_pb2, reports_pb2


def test_all_is_no_selection_and_pdf_is_the_default():
    errors, request = read_report_form(["all"], ["all"], "pdf")
    assert errors == {}
    assert not request.HasField("delivery_modes")
    assert not request.HasField("statuses")
    assert request.format == reports_pb2.REPORT_FORMAT_PDF


def test_chosen_modes_and_statuses_are_sent_as_selections():
    errors, request = read_report_form(["voice", "text"], ["no_answer", "busy"], "csv")
    assert errors == {}
    assert list(request.delivery_modes.delivery_modes) == [
        common_pb2.DELIVERY_MODE_VOICE, common_pb2.DELIVERY_MODE_TEXT
    ]  # fmt: skip
    assert list(request.statuses.statuses) == [
        common_pb2.DEVICE_STATUS_NO_ANSWER, common_pb2.DEVICE_STATUS_BUSY
    ]  # fmt: skip
    assert request.format == reports_pb2.REPORT_FORMAT_CSV


def test_at_least_one_mode_and_status_and_a_known_format():
    errors, _ = read_report_form([], [], "xls")
    assert errors == {
        "mode": "Select at least one delivery mode",
        "status": "Select at least one delivery status",
        "format": "Choose PDF, CSV or DOCX",
    }
    errors, _ = read_report_form(["fax"], ["lost"], "docx")
    assert set(errors) == {"mode", "status"}


def test_a_pdf_opens_in_the_browser_and_other_files_download():
    assert content_disposition("message-7.pdf", "application/pdf") == (
        'inline; filename="message-7.pdf"'
    )
    assert content_disposition('a"b\r\nc.csv', "text/csv") == 'attachment; filename="a-b-c.csv"'
