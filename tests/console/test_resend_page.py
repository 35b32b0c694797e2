"""Resend over HTTP: who is offered the button, the confirmation page with the API's defaults,
CSRF and rights refused, and the links between a resend and its original. (The resend itself
is made by the browser test, against the real dispatch service.)"""

from __future__ import annotations

import re

from smlog.services.console.resend_page import DEFAULT_STATUSES
from smlog.services.dispatch.resend import DEFAULT_STATUSES as DISPATCH_DEFAULTS
from tests.console.conftest import ConsoleEnv
from tests.console.test_pages import page, text_of
from tests.support.builders import EMAIL, GENERAL, T0, VOICE, Device, Person, add_campaign
from tests.support.rights import ALL

SENDER = [*ALL, "send_messages"]
BUTTON = "Resend to those not reached"


async def finished(env: ConsoleEnv) -> int:
    return await add_campaign(env.db, district_id=1, created_by="alice", message_type=GENERAL,
                              subject="Picture day", sent_time=T0, recipients=[
                                  Person("Jane Doe", devices=[
                                      Device(VOICE, "+15555550123", ["no_answer"]),
                                      Device(EMAIL, "jane@example.org", ["sent"])])])  # fmt: skip


def test_the_pre_selected_statuses_are_the_services_default():
    assert frozenset(DISPATCH_DEFAULTS) == DEFAULT_STATUSES


async def test_the_button_needs_send_messages_the_types_right_and_a_finished_message(
    proxied: ConsoleEnv,
):
    mid = await finished(proxied)
    _status, html = await page(proxied, f"/messages/{mid}", headers=proxied.as_user(
        rights=SENDER))  # fmt: skip
    assert f'href="/messages/{mid}/resend"' in html
    assert BUTTON in html
    _status, html = await page(proxied, f"/messages/{mid}", headers=proxied.as_user())
    assert BUTTON not in html  # no send_messages
    status, html = await page(proxied, f"/messages/{mid}/resend", headers=proxied.as_user())
    assert status == 403
    assert "send_messages" in text_of(html)
    in_progress = proxied.data.m3
    _status, html = await page(proxied, f"/messages/{in_progress}", headers=proxied.as_user(
        rights=SENDER))  # fmt: skip
    assert BUTTON not in html
    status, _html = await page(proxied, f"/messages/{in_progress}/resend",
                               headers=proxied.as_user(rights=SENDER))  # fmt: skip
    assert status == 400
    # Sees General messages through the log, may send, but has no right to General.
    viewer_only = ["sent_message_log", "all_messages", "type_priority", "send_messages"]
    status, _html = await page(proxied, f"/messages/{mid}/resend",
                               headers=proxied.as_user(rights=viewer_only))  # fmt: skip
    assert status == 404  # the log hides a message of a type the person has no right to


async def test_the_confirmation_pre_selects_the_defaults_and_needs_the_csrf_token(
    proxied: ConsoleEnv,
):
    mid = await finished(proxied)
    who = proxied.as_user(rights=SENDER)
    status, html = await page(proxied, f"/messages/{mid}/resend", headers=who)
    assert status == 200
    checked = set(re.findall(r'name="status" value="(\w+)" checked', html))
    assert checked == {"failed", "undelivered", "error", "vendor_error", "no_answer", "busy",
                       "no_call_status"}  # fmt: skip
    assert set(re.findall(r'name="mode" value="(\w+)" checked', html)) == {"email", "voice"}
    assert 'value="queued"' not in html  # not a status a delivery ends with
    request_id = re.search(r'name="request_id" value="([^"]+)"', html)
    csrf = re.search(r'name="csrf" value="([^"]+)"', html)
    assert request_id is not None
    assert csrf is not None
    form = {"request_id": request_id[1], "status": "no_answer", "mode": "voice"}
    url = proxied.url + f"/messages/{mid}/resend"
    async with proxied.http.post(url, headers=who, data={**form, "csrf": "x"}) as resp:
        assert resp.status == 403
        assert "form has expired" in await resp.text()
    # Nothing ticked, or a mode the message does not have: the form again, errors beside.
    data = [("csrf", csrf[1]), ("request_id", request_id[1]), ("mode", "text")]
    async with proxied.http.post(url, headers=who, data=data) as resp:
        body = await resp.text()
        assert resp.status == 400
        assert 'id="status-error"' in body
        assert "Choose at least one status" in body
        assert "Choose delivery modes of this message" in body
        assert f'value="{request_id[1]}"' in body  # a retry is still the same resend
    # Right token and choices, dispatch down: a 503 page, never a stack trace.
    async with proxied.http.post(url, headers=who, data={**form, "csrf": csrf[1]}) as resp:
        assert resp.status == 503
        assert "Traceback" not in await resp.text()
    # Without send_messages the POST is refused too, whatever the form holds.
    async with proxied.http.post(url, headers=proxied.as_user(),
                                 data={**form, "csrf": csrf[1]}) as resp:  # fmt: skip
        assert resp.status == 403


async def test_detail_links_a_resend_and_its_original(proxied: ConsoleEnv):
    original = await finished(proxied)
    resend = await finished(proxied)
    async with proxied.db.transaction() as tx:
        await tx.execute("UPDATE messages SET resend_of = ? WHERE id = ?", (original, resend))
    _status, html = await page(proxied, f"/messages/{original}", headers=proxied.as_user())
    assert f'Resent as <a href="/messages/{resend}">#{resend}</a>' in html
    _status, html = await page(proxied, f"/messages/{resend}", headers=proxied.as_user())
    assert f'Resend of <a href="/messages/{original}">#{original}</a>' in html
