"""Message Detail figures produced by a real dispatch run, expected numbers worked out by
hand, and the same figures in WatchMessage, the log, the command line and the CSV, PDF and
DOCX reports."""

from __future__ import annotations

import asyncio
import re

import pytest

from smlog.cli.main import main
from smlog.domain.labels import mode_label
from smlog.v1 import common_pb2 as c
from smlog.v1 import dispatch_pb2 as d
from smlog.v1 import log_pb2, reports_pb2
from tests.dispatch.people import (
    BUSY_BUSY_OK,
    TEXT_OK,
    TEXT_UNDELIVERED,
    VOICE_FAILED,
    VOICE_OK,
    M,
    email,
    person,
    phone,
)
from tests.support.dispatch import Harness
from tests.support.reports import download, read_csv, read_docx, read_pdf, running
from tests.support.tokens import user_token

E, V, T = M.DELIVERY_MODE_EMAIL, M.DELIVERY_MODE_VOICE, M.DELIVERY_MODE_TEXT
STOPPED = "+15555550131"

# By hand, per mode: (devices, attempts, successful, error, canceled).
# Email: ann and dee, accepted by Mailgun: 2 devices, 2 attempts, 2 Sent.
# Voice: ann Completed (1 attempt); bob Busy, Busy, Completed (3); cy Failed and redialed
#        up to redial_max_attempts (3), then an error: 3 devices, 7 attempts, 2 ok, 1 error.
# Text:  ann Delivered; bob's number has an extension: Not Eligible; cy Undelivered; fay had
#        replied STOP: Opt-Out. Each is one attempt (two suppressed): 4, 4, 3 ok, 1 error.
EXPECTED = {E: (2, 2, 2, 0, 0), V: (3, 7, 2, 1, 0), T: (4, 4, 3, 1, 0)}
# Six people; eve has no device at all. dee (email only) is reached, so not counted.
RECIPIENTS, NO_DEVICE = 6, 1


def _figures(modes: object) -> dict[int, tuple[int, ...]]:
    return {
        int(m.delivery_mode): (
            m.total_devices,
            m.total_attempts,
            m.total_successful,
            m.total_error,
            m.total_canceled,
        )
        for m in modes  # type: ignore[attr-defined]
    }


def _report_figures(summary: dict[str, str]) -> dict[int, tuple[int, ...]]:
    labels = ("Total Devices", "Total Attempts", "Total Success", "Total Failed", "Total Canceled")
    return {
        mode: tuple(
            int(summary[f"{mode_label(mode)} {label}"].replace(",", "")) for label in labels
        )
        for mode in EXPECTED
    }


async def test_a_real_campaign_shows_the_same_hand_computed_figures_everywhere(
    h: Harness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    await h.db_exec(
        "INSERT INTO sms_opt_outs (phone, short_code, opted_out, update_time) VALUES (?, '', 1, 0)",
        (STOPPED,),
    )
    people = [
        person(
            "ann",
            email("delivered+ann@simulator.smlog.test"),
            phone(VOICE_OK, modes=(V,)),
            phone(TEXT_OK, modes=(T,)),
        ),
        person("bob", phone(BUSY_BUSY_OK, modes=(V,)), phone(TEXT_OK, extension="12", modes=(T,))),
        person("cy", phone(VOICE_FAILED, modes=(V,)), phone(TEXT_UNDELIVERED, modes=(T,))),
        person("dee", email("delivered+dee@simulator.smlog.test")),
        person("eve"),
        person("fay", phone(STOPPED, modes=(T,))),
    ]
    assert h.stub is not None
    message_id = await h.send(people, [E, V, T])
    watched = [
        r.progress
        async for r in h.stub.WatchMessage(d.WatchMessageRequest(message_id=message_id), timeout=30)
    ]
    final = watched[-1]
    assert final.status == c.MessageStatus.MESSAGE_STATUS_SENT
    assert _figures(final.modes) == EXPECTED
    assert (final.total_recipients, final.recipients_with_no_device) == (RECIPIENTS, NO_DEVICE)

    async with running(h.settings) as env:
        detail = (
            await env.log().GetMessage(log_pb2.GetMessageRequest(message_id=message_id))
        ).message
        assert _figures(detail.delivery_information.modes) == EXPECTED
        general = detail.general_criteria
        assert (general.total_recipient_count, general.recipients_with_no_device) == (
            RECIPIENTS,
            NO_DEVICE,
        )
        F = reports_pb2.ReportFormat
        csv_report = read_csv(
            (await download(env.reports(), _request(message_id, F.REPORT_FORMAT_CSV))).data
        )
        csv_summary = {k: v[0] for k, v in csv_report.summary.items() if v}
        assert _report_figures(csv_summary) == EXPECTED
        assert csv_summary["Recipients with No Device"] == str(NO_DEVICE)
        docx_report = read_docx(
            (await download(env.reports(), _request(message_id, F.REPORT_FORMAT_DOCX))).data
        )
        assert _report_figures(docx_report.summary) == EXPECTED
        first_page = read_pdf(
            (await download(env.reports(), _request(message_id, F.REPORT_FORMAT_PDF))).data
        )[0]
        for mode, figures in EXPECTED.items():
            name = mode_label(mode)
            labels = ("Total Devices", "Total Attempts", "Total Success", "Total Failed")
            for label, value in zip(labels, figures, strict=False):
                assert f"{name} {label} {value}" in first_page, (name, label)

        # The command line's Message Detail table (pending is the fifth figure there).
        monkeypatch.setenv("COLUMNS", "80")
        token = user_token(
            h.settings, "u1", 1, ["sent_message_log", "all_messages", "type_general"]
        )
        capsys.readouterr()
        argv = ["log", "show", str(message_id), "--target", f"127.0.0.1:{env.log_port}"]
        assert await asyncio.to_thread(main, [*argv, "--token", token]) == 0
        out = capsys.readouterr().out
        for mode, (devices, attempts, ok, error, canceled) in EXPECTED.items():
            row = rf"{mode_label(mode)} +{devices} +{attempts} +{ok} +{error} +{canceled} +0 "
            assert re.search(row, out), (row, out)
        assert re.search(rf"Recipients with No Device +{NO_DEVICE}\b", out)


def _request(message_id: int, fmt: int) -> reports_pb2.BuildReportRequest:
    return reports_pb2.BuildReportRequest(message_id=message_id, format=fmt)  # type: ignore[arg-type]
