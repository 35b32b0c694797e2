"""Recipient search over HTTP: the query in the URL, rows across messages with the device
masked unless the person has the right, paging, bad input beside its field, a refused right."""

from __future__ import annotations

import re
from html import unescape

import pytest

from smlog.services.console import search_page
from tests.console.conftest import ConsoleEnv
from tests.console.test_pages import page, text_of
from tests.support.builders import EMAIL, GENERAL, PRIORITY, T0, VOICE, Device, Person, add_campaign
from tests.support.rights import ALL, FULL

PHONE = "+15555550123"


def found(html: str) -> list[int]:
    """The message ids of the result rows, in order."""
    return [int(m) for m in re.findall(r'<a href="/messages/(\d+)">#\d+</a>', html)]


async def seed_jane(env: ConsoleEnv) -> tuple[int, int]:
    jane = Person("Jane Doe", student="Max Doe", devices=[
        Device(VOICE, PHONE, ["no_answer"], vendor_detail="no answer"),
        Device(EMAIL, "Jane.Doe@Example.org", ["sent"]),
    ])  # fmt: skip
    first = await add_campaign(env.db, district_id=1, created_by="alice", message_type=GENERAL,
                               subject="Picture day", sent_time=T0, recipients=[jane])  # fmt: skip
    second = await add_campaign(env.db, district_id=1, created_by="bob", message_type=PRIORITY,
                                subject="Bus <late>", sent_time=T0 + 3600,
                                recipients=[Person("Jane Doe", devices=[
                                    Device(VOICE, PHONE, ["completed"])])])  # fmt: skip
    return first, second


async def test_a_phone_search_finds_each_message_with_the_device_masked(proxied: ConsoleEnv):
    first, second = await seed_jane(proxied)
    status, html = await page(proxied, "/search?by=phone&q=(555)+555-0123",
                              headers=proxied.as_user(rights=ALL))  # fmt: skip
    assert status == 200
    assert found(html) == [second, first]  # newest first
    text = text_of(html)
    assert "Bus <late>" in text
    assert "&lt;late&gt;" in html
    assert "No Answer" in text
    assert "555-0123" not in text.replace("***-0123", "")
    assert "***-0123" in text  # masked: the last digits only
    assert 'name="full"' not in html  # no right: no choice of full devices
    status, html = await page(proxied, "/search?by=phone&q=5555550123&full=1",
                              headers=proxied.as_user(rights=ALL))  # fmt: skip
    assert "(555) 555-0123" not in text_of(html)  # asking in the URL does not give the right
    status, html = await page(proxied, "/search?by=phone&q=5555550123&full=1",
                              headers=proxied.as_user(rights=FULL))  # fmt: skip
    assert "(555) 555-0123" in text_of(html)
    assert 'name="full" value="1" checked' in html


async def test_the_url_holds_modes_and_the_next_page(
    proxied: ConsoleEnv, monkeypatch: pytest.MonkeyPatch
):
    first, second = await seed_jane(proxied)
    who = proxied.as_user()
    _status, html = await page(proxied, "/search?by=name&q=jane+d&mode=email", headers=who)
    assert found(html) == [first]
    assert 'id="mode-email" name="mode" value="email" checked' in html
    monkeypatch.setattr(search_page, "PAGE_SIZE", 2)  # three rows: two pages
    _status, html = await page(proxied, "/search?by=name&q=jane", headers=who)
    assert found(html) == [second, first]
    link = re.search(r'href="/search\?([^"]+)" rel="next"', html)
    assert link is not None
    assert "by=name" in link[1]
    assert "q=jane" in link[1]
    _status, html = await page(proxied, "/search?" + unescape(link[1]), headers=who)
    assert found(html) == [first]
    assert "First page" in html
    assert 'rel="next"' not in html


async def test_bad_search_input_comes_back_beside_its_field(proxied: ConsoleEnv):
    who = proxied.as_user()
    status, html = await page(proxied, "/search?by=phone&q=not+a+phone", headers=who)
    assert status == 400
    assert 'id="q-error"' in html
    assert "Not a phone number" in text_of(html)
    assert 'value="not a phone"' in html
    status, html = await page(
        proxied, "/search?by=email&q=a@b.org&start=2026-03-05&end=2026-03-01&mode=fax",
        headers=who,
    )  # fmt: skip
    assert status == 400
    text = text_of(html)
    assert "End date must be the same as or after the start date" in text
    assert "Choose delivery modes from the list" in text
    status, html = await page(proxied, "/search?by=name&q=J", headers=who)
    assert status == 400
    assert "At least 2 characters" in text_of(html)
    status, html = await page(proxied, "/search?by=shoe&q=x", headers=who)
    assert status == 400
    assert 'id="by-error"' in html
    status, html = await page(proxied, "/search?by=phone&q=5555550123&page=forged",
                              headers=who)  # fmt: skip
    assert status == 400
    assert "This page link has expired" in html
    status, html = await page(proxied, "/search?start=2026-03-01", headers=who)
    assert status == 400
    assert "Enter the phone number to search for" in text_of(html)


async def test_search_refused_right_names_it_and_other_districts_see_nothing(
    proxied: ConsoleEnv,
):
    await seed_jane(proxied)
    status, html = await page(proxied, "/search?by=phone&q=5555550123",
                              headers=proxied.as_user(rights=["send_messages"]))  # fmt: skip
    assert status == 403
    assert "sent_message_log" in html
    status, html = await page(proxied, "/search?by=phone&q=5555550123",
                              headers=proxied.as_user(district=2))  # fmt: skip
    assert status == 200
    assert "No deliveries found" in html
    assert "Picture day" not in html


async def test_the_log_page_has_a_search_box(proxied: ConsoleEnv):
    _status, html = await page(proxied, "/", headers=proxied.as_user())
    assert '<form method="get" action="/search"' in html
    assert 'id="quick-q" name="q"' in html
