"""``smlog`` client commands against real services: tables (80 columns, local time), --json,
and the exit status with one line for a refused or bad request. Every call passes --token."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from smlog.cli.main import main
from smlog.services.status.optout import record_inbound
from smlog.services.status.payloads import InboundText
from tests.support.dispatch import Harness
from tests.support.reports import ReportEnv, read_csv, running
from tests.support.tokens import user_token
from tests.support.waiting import wait_for

RIGHTS = [
    "sent_message_log", "all_messages", "type_general", "type_emergency", "send_messages",
    "cancel_messages", "district_admin",
]  # fmt: skip
CAMPAIGN = """
request_id: snow-day-{n}
message:
  message_type: general
  subject: Snow day
  delivery_modes: [voice]
  content: {{voice_script: "Schools are closed today."}}
recipients:
  - person_id: p1
    name: Jane Doe
    student_name: Sam Doe
    devices:
      - {{device_type: phone, address: "{number}"}}
"""


class Cli:
    def __init__(self, h: Harness, env: ReportEnv, capsys: pytest.CaptureFixture[str]) -> None:
        self.h = h
        self.env = env
        self.capsys = capsys
        assert h.host is not None
        self.targets = {
            "dispatch": f"127.0.0.1:{h.host.port}",
            "log": f"127.0.0.1:{env.log_port}",
            "reports": f"127.0.0.1:{env.reports_port}",
        }

    def token(self, district: int = 1, rights: list[str] = RIGHTS, user: str = "u1") -> str:
        return user_token(self.h.settings, user, district, rights, name="Ann Admin")

    async def run(self, service: str, *argv: str, token: str = "") -> tuple[int, str, str]:
        self.capsys.readouterr()
        args = [*argv, "--target", self.targets[service], "--token", token or self.token()]
        code = await asyncio.to_thread(main, args)
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture
async def cli(
    h: Harness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Cli]:
    monkeypatch.setenv("COLUMNS", "80")
    async with running(h.settings) as env:
        yield Cli(h, env, capsys)


def _campaign(tmp_path: Path, n: int, number: str = "+15555550100") -> str:
    path = tmp_path / f"campaign{n}.yaml"
    path.write_text(CAMPAIGN.format(n=n, number=number))
    return str(path)


def _intact(out: str, headers: list[str]) -> None:
    """Every header word printed whole, every line within 80 columns."""
    assert all(len(line) <= 80 for line in out.splitlines()), out
    for word in {w for h in headers for w in h.split()}:
        assert re.search(rf"\b{re.escape(word)}\b", out), (word, out)


async def test_send_watch_and_read_the_log_in_local_time(cli: Cli, tmp_path: Path) -> None:
    code, out, err = await cli.run("dispatch", "send", _campaign(tmp_path, 1), "--json")
    assert (code, err) == (0, "")
    message_id = json.loads(out)["message_id"]
    code, out, _ = await cli.run("dispatch", "watch", str(message_id), "--json")
    assert code == 0
    updates = [json.loads(part) for part in re.split(r"(?m)^(?=\{)", out) if part.strip()]
    assert updates[-1]["status"] == "MESSAGE_STATUS_SENT"
    assert updates[-1]["modes"][0]["total_successful"] == "1"  # int64 in JSON: a string
    code, out, _ = await cli.run("dispatch", "watch", str(message_id))
    assert code == 0
    _intact(out, ["Mode", "Devices", "Attempts", "Successful", "Error", "Canceled", "Pending",
                  "First Attempt"])  # fmt: skip
    assert f"message {message_id} — Sent" in out
    assert re.search(r"Voice +1 +1 +1 +0 +0 +0", out)

    code, out, _ = await cli.run("log", "log", "list")
    assert code == 0
    _intact(out, ["Date", "Calendars", "Subject", "Created By", "Type", "Delivery Mode",
                  "Attachment", "Status", "ID"])  # fmt: skip
    assert re.search(r"\bC[SD]T\b", out)  # the district's zone (America/Chicago), not UTC
    assert "UTC" not in out
    code, out, _ = await cli.run("log", "log", "list", "--json")
    listed = json.loads(out)
    assert listed["time_zone"] == "America/Chicago"
    assert listed["messages"][0]["message_id"] == str(message_id)

    code, out, _ = await cli.run("log", "log", "show", str(message_id))
    assert code == 0
    assert "Voice Script" in out
    assert "Schools are closed today." in out
    assert re.search(r"Time Sent +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d C[SD]T", out)
    figures = ["Delivery Mode", "Total Devices", "Total Attempts", "Total Successful",
               "Total Error", "Total Canceled", "Pending", "First Attempt Duration"]  # fmt: skip
    _intact(out, figures)
    code, out, _ = await cli.run("log", "log", "show", str(message_id), "--json")
    shown = json.loads(out)
    assert shown["message_details"]["content"]["voice_script"] == "Schools are closed today."

    code, out, _ = await cli.run("log", "log", "deliveries", str(message_id))
    assert code == 0
    _intact(out, ["Recipient", "Student", "Delivery Mode", "Device", "Status", "Time",
                  "Attempts", "Vendor Detail"])  # fmt: skip
    assert "Jane Doe" in out
    assert "(***)" in out  # masked; the cell may wrap at its space
    assert "***-0100" in out
    assert "Completed" in out
    assert re.search(r"\bC[SD]T\b", out)

    report = tmp_path / "r.csv"
    code, out, err = await cli.run(
        "reports", "report", str(message_id), "--format", "csv", "-o", str(report), "--quiet"
    )
    assert (code, err) == (0, "")
    summary = read_csv(report.read_bytes()).summary
    assert summary["Voice Total Attempts"] == ["1"]
    assert summary["Voice Total Success"] == ["1"]


async def test_cancel_and_refusals_print_one_line(cli: Cli, tmp_path: Path) -> None:
    # A call that never answers keeps the message in progress.
    code, out, _ = await cli.run(
        "dispatch", "send", _campaign(tmp_path, 2, "+15555550105"), "--json"
    )
    message_id = json.loads(out)["message_id"]

    async def call_placed() -> bool:  # canceled before that, the message would end at once
        return any(a["request_time"] is not None for a in await cli.h.attempts(message_id))

    await wait_for(call_placed)
    code, out, err = await cli.run("dispatch", "cancel", str(message_id))
    assert (code, err) == (0, "")
    assert out.startswith(f"message {message_id}: ")
    code, out, err = await cli.run("dispatch", "cancel", str(message_id), "--json")
    assert code == 0, err
    assert "progress" in json.loads(out)

    viewer = cli.token(rights=["sent_message_log", "my_messages", "type_general"], user="u9")
    cases = [
        ("log", ["log", "show", "0"], 1, "smlog: INVALID_ARGUMENT: message_id: must be a"),
        ("log", ["log", "show", str(message_id)], 1, "smlog: NOT_FOUND: message"),
        ("dispatch", ["cancel", str(message_id)], 1, "smlog: PERMISSION_DENIED: missing tool"),
        ("dispatch", ["watch", str(message_id)], 1, "smlog: NOT_FOUND: message"),
        ("log", ["log", "list", "--type", "bogus"], 2, "smlog: error: --type: unknown value"),
        ("reports", ["report", str(message_id), "--format", "csv", "--quiet"], 1,
         "smlog: NOT_FOUND: message"),
    ]  # fmt: skip
    for service, argv, want_code, line in cases:
        code, out, err = await cli.run(service, *argv, token=viewer)
        assert code == want_code, (argv, out, err)
        assert len(err.strip().splitlines()) == 1, err
        assert err.startswith(line), (argv, err)


async def test_a_new_district_is_set_up_with_the_cli_before_sending(
    cli: Cli, tmp_path: Path
) -> None:
    admin = cli.token(district=3)
    code, _, err = await cli.run("dispatch", "send", _campaign(tmp_path, 3), token=admin)
    assert code == 1
    assert err.strip() == (
        "smlog: FAILED_PRECONDITION: district 3 is not set up; a district administrator calls"
        " UpsertDistrict"
    )
    code, _, err = await cli.run("dispatch", "district", "show", token=admin)
    assert (code, err.strip()) == (1, "smlog: NOT_FOUND: district 3 is not set up")
    district = ["district", "set", "3", "--name", "Shelbyville", "--time-zone", "America/Denver",
                "--window", "07:30-20:00", "--calendar", "31:Shelbyville High:2026-27"]  # fmt: skip
    code, out, err = await cli.run("dispatch", *district, token=admin)
    assert (code, err) == (0, "")
    _intact(out, ["Calendar ID", "School", "School Year"])
    # The short code is an operator's to give (one district per code).
    code, _, err = await cli.run("dispatch", *district, "--short-code", "55777", token=admin)
    assert code == 1
    assert err.startswith("smlog: PERMISSION_DENIED"), err
    assert main(["token", "--service", "operator"]) == 0
    operator = cli.capsys.readouterr().out.strip()
    code, out, err = await cli.run("dispatch", *district, "--short-code", "55777", token=operator)
    assert (code, err) == (0, "")
    code, out, _ = await cli.run("dispatch", "district", "show", "--json", token=admin)
    shown = json.loads(out)
    assert shown["district"]["time_zone"] == "America/Denver"
    assert shown["district"]["dialing_window"] == {"start_minute": 450, "end_minute": 1200}
    assert shown["district"]["sms_short_code"] == "55777"
    assert shown["calendars"] == [
        {"calendar_id": "31", "school_name": "Shelbyville High", "school_year": "2026-27"}
    ]
    code, out, err = await cli.run("dispatch", "send", _campaign(tmp_path, 4), token=admin)
    assert (code, err) == (0, "")
    assert "dispatch started" in out

    bad = ["district", "set", "3", "--name", "S", "--time-zone", "UTC", "--window", "9-5"]
    code, _, err = await cli.run("dispatch", *bad, token=admin)
    assert (code, err.strip()) == (
        2,
        "smlog: error: --window '9-5': expected HH:MM-HH:MM, e.g. 08:00-21:00",
    )
    no_admin = cli.token(district=3, rights=["send_messages", "type_general"])
    ok = ["district", "set", "3", "--name", "S", "--time-zone", "UTC"]
    code, _, err = await cli.run("dispatch", *ok, token=no_admin)
    assert code == 1
    assert err.startswith("smlog: PERMISSION_DENIED: missing tool right 'district_admin'")
    code, _, err = await cli.run("dispatch", "district", "show", "3", token=cli.token(district=1))
    assert (code, err.strip()) == (1, "smlog: NOT_FOUND: district 3 is not set up")


async def test_log_show_of_a_text_opt_out_entry_says_what_happened(cli: Cli) -> None:
    await cli.h.db_exec("UPDATE districts SET sms_short_code = '55555' WHERE id = 1")
    async with cli.h.db.transaction() as tx:
        text = InboundText("e1", "+15555550199", "55555", "STOP", 1_790_000_000_000_000)
        await record_inbound(tx, text, 1)
    row = await cli.h.db.fetch_one("SELECT id FROM messages WHERE request_id = 'sms-reply:e1'")
    assert row is not None
    reader = cli.token(rights=["sent_message_log", "all_messages", "type_text_opt_out"])
    code, out, err = await cli.run("log", "log", "show", str(row[0]), token=reader)
    assert (code, err) == (0, "")
    assert re.search(r"Message Type +Text Opt Out", out)
    assert re.search(r"Number +\(\*\*\*\) \*\*\*-0199", out)
    assert re.search(r"Keyword +STOP", out)
    assert "What Happened" in out
    assert "Delivery Information" not in out
    assert "Total Recipient Count" not in out


async def test_search_finds_a_phone_across_messages(cli: Cli, tmp_path: Path) -> None:
    ids = []
    for n in (1, 2):
        code, out, err = await cli.run("dispatch", "send", _campaign(tmp_path, n), "--json")
        assert (code, err) == (0, "")
        ids.append(json.loads(out)["message_id"])
        code, _, _ = await cli.run("dispatch", "watch", str(ids[-1]), "--json")
        assert code == 0
    code, out, _ = await cli.run("log", "log", "search", "--phone", "(555) 555-0100", "--json")
    assert code == 0
    found = json.loads(out)
    assert [h["message_id"] for h in found["hits"]] == [str(i) for i in reversed(ids)]
    assert found["hits"][0]["delivery"]["device"] == "(***) ***-0100"
    code, out, _ = await cli.run("log", "log", "search", "--name", "jane")
    assert code == 0
    _intact(out, ["ID", "Sent", "Subject", "Recipient", "Mode", "Device", "Status", "Attempts"])
    assert "Jane Doe" in out
    code, out, err = await cli.run("log", "log", "search", "--phone", "call me")
    assert code != 0
    assert "phone" in err


async def test_resend_sends_again_to_those_not_reached(cli: Cli, tmp_path: Path) -> None:
    campaign = _campaign(tmp_path, 3, number="+15555550104")  # the simulator fails this call
    code, out, err = await cli.run("dispatch", "send", campaign, "--json")
    assert (code, err) == (0, "")
    original = json.loads(out)["message_id"]
    code, _, _ = await cli.run("dispatch", "watch", str(original), "--json")
    assert code == 0
    code, out, err = await cli.run(
        "dispatch", "resend", str(original), "--request-id", "again", "--watch", "--json"
    )
    assert (code, err) == (0, "")
    first = json.loads(re.split(r"(?m)^(?=\{)", out)[1])  # the reply, then the progress
    resend = int(first["message_id"])
    assert first["target_count"] == "1"
    code, out, _ = await cli.run("log", "log", "show", str(resend))
    assert code == 0
    assert re.search(rf"Resend Of +#{original}\b", out)
    code, out, _ = await cli.run("log", "log", "show", str(original))
    assert re.search(rf"Resent As +#{resend}\b", out)


async def test_district_retention_is_set_and_shown(cli: Cli) -> None:
    base = ["district", "set", "1", "--name", "Springfield", "--time-zone", "America/Chicago"]
    code, _, err = await cli.run("dispatch", *base, "--retention-days", "30")
    assert (code, err) == (0, "")
    code, out, _ = await cli.run("dispatch", "district", "show", "--json")
    assert json.loads(out)["district"]["retention_days"] == 30
    code, out, _ = await cli.run("dispatch", "district", "show")
    assert re.search(r"Retention +30 days", out)
    code, _, err = await cli.run("dispatch", *base, "--retention-days", "-1")
    assert code == 1
    assert "INVALID_ARGUMENT" in err
    assert "retention_days" in err
