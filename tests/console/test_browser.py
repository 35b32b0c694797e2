"""The console in a real Chromium (Debian's package, driven by Playwright), against the real
processes: people sign in, click and read as people do, and axe-core finds no serious or
critical accessibility problem on any page."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import async_playwright, expect

from smlog.cli.browser import launch_chromium
from smlog.cli.console_seed import PEOPLE, seed_console, send_waiting_call
from smlog.cli.demo.people import build_district, phones
from smlog.cli.stackrun import private_stack
from smlog.config import SERVICES
from tests.console.browser import Site, accessible, generate, require_chromium

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]
SECONDS = 1000  # Playwright timeouts are in milliseconds


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site() -> AsyncIterator[Site]:
    require_chromium()
    extra = {"voice_status_deadline_seconds": "8"}
    async with private_stack(extra, names=(*SERVICES, "console"), prefix="smlog-console-") as stack:
        settings = stack.settings
        seed = await seed_console(settings)
        async with async_playwright() as playwright:
            browser = await launch_chromium(playwright)
            yield Site(settings, seed, browser, f"http://127.0.0.1:{settings.console_port}")
            await browser.close()


async def test_each_person_sees_what_their_rights_allow(site: Site):
    skinner = await site.signed_in("Principal Skinner")
    await expect(skinner.get_by_role("link", name="My Messages")).to_have_attribute(
        "aria-current", "page"
    )
    await expect(skinner.get_by_role("link", name="Snow day: schools closed")).to_be_visible()
    await expect(skinner.get_by_role("link", name="Lunch menu, week 52")).to_have_count(0)
    await accessible(skinner)
    await skinner.get_by_role("link", name="All Messages").click()
    await expect(skinner.get_by_role("link", name="Lunch menu, week 52")).to_be_visible()
    types = skinner.get_by_label("Message Type").locator("option")
    await expect(types).to_have_text(
        ["All types", "Messenger 2.0 - General", "Messenger 2.0 - Priority",
         "Messenger 2.0 - Emergency", "Text Opt In", "Text Opt Out"]
    )  # fmt: skip

    hoover = await site.signed_in("Ms. Hoover")
    await expect(hoover.get_by_role("link", name="My Messages")).to_have_count(0)
    await expect(hoover.get_by_role("link", name="All Messages")).to_have_attribute(
        "aria-current", "page"
    )
    await expect(hoover.get_by_label("Message Type").locator("option")).to_have_text(
        ["All types", "Messenger 2.0 - General", "Messenger 2.0 - Priority"]
    )
    await hoover.goto("/?type=priority")
    await expect(hoover.get_by_role("link", name="Bus route 12 changes")).to_be_visible()
    await hoover.goto("/?subject=snow")
    await expect(hoover.get_by_text("No messages match these filters.")).to_be_visible()

    krabappel = await site.signed_in("Mrs. Krabappel")
    await expect(krabappel.get_by_text("No messages match these filters.")).to_be_visible()

    willie = await site.signed_in("Groundskeeper Willie")
    await expect(willie.get_by_role("heading", level=1)).to_have_text(
        "You do not have the right to do this"
    )
    await expect(willie.get_by_text("sent_message_log")).to_be_visible()
    await accessible(willie)

    shelbyville = await site.signed_in("Principal of Shelbyville")
    await shelbyville.get_by_role("link", name="All Messages").click()
    await expect(shelbyville.get_by_text("No messages match these filters.")).to_be_visible()
    await shelbyville.goto(f"/messages/{site.seed.snow_day}")
    await expect(shelbyville.get_by_role("heading", level=1)).to_have_text("Page not found")
    await accessible(shelbyville)


async def test_filter_reset_page_and_bookmark(site: Site):
    page = await site.signed_in("Superintendent Chalmers")
    await page.get_by_label("Subject").fill("bus")
    await page.get_by_role("button", name="Apply Filters").click()
    rows = page.locator("table.log tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("Bus route 12 changes")
    assert "subject=bus" in page.url
    bookmarked = page.url
    await page.get_by_role("link", name="Reset Filters").click()
    await expect(page.get_by_label("Subject")).to_have_value("")
    await expect(rows).to_have_count(50)
    await page.goto(bookmarked)
    await expect(rows).to_have_count(1)

    await page.goto("/")
    await page.get_by_label("Message Type").select_option(label="Messenger 2.0 - Emergency")
    await page.get_by_role("button", name="Apply Filters").click()
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("Snow day: schools closed")

    await page.goto("/")
    await page.get_by_role("link", name="Next page").click()
    await expect(page.get_by_role("link", name="Snow day: schools closed")).to_be_visible()
    await expect(page.get_by_role("link", name="First page")).to_be_visible()

    await page.goto("/")
    await page.get_by_label("Message ID").fill("12a")
    await page.get_by_label("Start Date").fill("2026-03-05")
    await page.get_by_label("End Date").fill("2026-03-01")
    await page.get_by_role("button", name="Apply Filters").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("There is a problem")
    await expect(page.locator("#message_id-error")).to_contain_text("Message ID must be a number")
    await expect(page.locator("#end-error")).to_contain_text("same as or after the start date")
    await expect(page.get_by_label("Message ID")).to_have_value("12a")
    await accessible(page)


async def test_detail_and_every_report_format(site: Site):
    page = await site.signed_in("Principal Skinner")
    await page.get_by_role("link", name="Snow day: schools closed").click()
    for heading in ("Message Status", "General Filter Criteria", "Tool Specific Filter Criteria",
                    "Delivery Information", "Message Details"):  # fmt: skip
        await expect(page.get_by_role("heading", name=heading)).to_be_visible()
    await expect(page.locator("dd", has_text="Springfield Public Schools")).to_be_visible()
    await expect(page.get_by_role("row", name=re.compile(r"^Voice"))).to_be_visible()
    await accessible(page)

    await page.get_by_text("Build Report").click()
    await expect(page.get_by_label("PDF")).to_be_checked()
    await accessible(page)
    url, body = await generate(page)
    assert "format=pdf" in url
    assert body.startswith(b"%PDF")

    await page.get_by_label("CSV").check()
    await page.get_by_label("Voice").check()  # unticks "All" (the panel's script)
    url, body = await generate(page)
    assert "mode=voice" in url
    assert "mode=all" not in url
    text = body.decode("utf-8-sig")
    assert "Snow day: schools closed" in text
    assert ",Text," not in text

    await page.get_by_label("DOCX").check()
    url, body = await generate(page)
    assert body.startswith(b"PK")  # a DOCX is a zip

    await page.get_by_label("Voice").uncheck()  # no mode at all
    url, body = await generate(page)
    assert "Select at least one delivery mode" in body.decode()
    await page.goto(url)  # the panel as a page of its own, with the problem beside the field
    await expect(page.locator("#mode-error")).to_contain_text("Select at least one delivery mode")
    await accessible(page)


async def test_live_progress_and_cancel(site: Site):
    waiting = await send_waiting_call(site.settings, "console-live")
    page = await site.signed_in("Principal Skinner")
    await page.goto(f"/messages/{waiting}")
    status = page.locator('[data-field="status"]')
    await expect(status).to_have_text("In Progress")
    await expect(page.get_by_text("the figures below update live")).to_be_visible()
    await accessible(page)
    # No reload: the vendor's answer and then the status deadline move the figures.
    await expect(status).to_have_text("Sent", timeout=60 * SECONDS)
    voice = page.locator('tr[data-mode="3"]')
    await expect(voice.locator('[data-field="total_successful"]')).to_have_text("2")

    reminder = f"/messages/{site.seed.reminder}"
    hoover = await site.signed_in("Ms. Hoover")
    await hoover.goto(reminder)
    await expect(hoover.locator('[data-field="status"]')).to_have_text("In Progress")
    await expect(hoover.get_by_role("link", name="Cancel message")).to_have_count(0)

    await page.goto(reminder)
    await page.get_by_role("link", name="Cancel message").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Cancel")
    await accessible(page)
    await page.get_by_role("button", name="Yes, cancel the remaining deliveries").click()
    await expect(page.get_by_role("status")).to_contain_text(re.compile(r"\d+ deliveries canceled"))
    await expect(page.locator('[data-field="status"]')).to_have_text("Canceled")
    await expect(page.get_by_role("link", name="Cancel message")).to_have_count(0)


async def test_recipient_details_are_masked_without_the_right(site: Site):
    picture = f"/messages/{site.seed.picture_day}/recipients"
    hoover = await site.signed_in("Ms. Hoover")
    await hoover.goto(picture)
    await expect(hoover.get_by_label("Show full phone numbers and email addresses")).to_have_count(
        0
    )
    await hoover.get_by_label("Delivery Mode").select_option(label="Email")
    await hoover.get_by_role("button", name="Apply Filters").click()
    cells = hoover.locator("tbody tr td:nth-child(3)")
    await expect(cells.first).to_have_text("Email")
    assert set(await cells.all_text_contents()) == {"Email"}
    cells = await hoover.locator("tbody tr td:nth-child(4)").all_text_contents()
    devices = [d for d in cells if d]  # a No Device row has no device to show
    assert devices
    assert all("***@" in d for d in devices)
    await accessible(hoover)

    skinner = await site.signed_in("Principal Skinner")
    await skinner.goto(picture + "?mode=email")
    await skinner.get_by_label("Show full phone numbers and email addresses").check()
    await skinner.get_by_role("button", name="Apply Filters").click()
    cells = await skinner.locator("tbody tr td:nth-child(4)").all_text_contents()
    devices = [d for d in cells if d]
    assert devices
    assert not any("***" in d for d in devices)
    assert all("@" in d for d in devices)


async def test_reads_and_build_report_work_without_javascript(site: Site):
    page = await site.signed_in("Superintendent Chalmers", javascript=False)
    await page.get_by_label("Message Type").select_option(label="Messenger 2.0 - Priority")
    await page.get_by_role("button", name="Apply Filters").click()
    await page.get_by_role("link", name="Bus route 12 changes").click()
    await expect(page.get_by_role("heading", name="Delivery Information")).to_be_visible()
    await page.get_by_text("Build Report").click()  # a native <details>: no script needed
    await page.get_by_label("CSV").check()
    url, body = await generate(page)
    assert "format=csv" in url
    assert "Bus route 12 changes" in body.decode("utf-8-sig")
    await page.get_by_role("link", name="Recipient Details").click()
    await expect(page.locator("tbody tr").first).to_be_visible()


async def test_find_a_recipient_and_resend_to_those_not_reached(site: Site):
    page = await site.signed_in("Principal Skinner")
    number = phones(build_district(PEOPLE))[2]  # the first two opted out
    await page.get_by_label("Search for").fill(number.removeprefix("+1"))
    await page.get_by_role("button", name="Search", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Find a recipient")
    rows = page.locator("table.search-results tbody tr")
    await expect(rows.first).to_be_visible()
    assert "by=phone" in page.url
    assert number[2:] in page.url
    await expect(page.get_by_role("radio", name="Phone number")).to_be_checked()
    await expect(rows.filter(has_text="Snow day: schools closed").first).to_be_visible()
    await accessible(page)

    picture = f"/messages/{site.seed.picture_day}"
    resend = page.get_by_role("link", name="Resend to those not reached")
    for _ in range(60):  # email and inbox finish in moments; the button shows once it has
        await page.goto(picture)
        if await resend.count():
            break
        await asyncio.sleep(1)
    await resend.click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("to those not reached")
    await expect(page.get_by_role("checkbox", name="No Answer")).to_be_checked()
    await expect(page.get_by_role("checkbox", name="Email", exact=True)).to_be_checked()
    await accessible(page)
    form = {name: await page.locator(f'main input[name="{name}"]').input_value()
            for name in ("csrf", "request_id")}  # fmt: skip
    await page.get_by_role("button", name="Resend to those not reached").click()
    await expect(page.get_by_text(f"Resend of #{site.seed.picture_day}")).to_be_visible()
    made = page.url
    assert made.rstrip("/") != (site.url + picture)
    # The same form again (a double click, a reload): the same resend, not a second one.
    again = await page.request.post(f"{picture}/resend", form={**form, "status": "failed",
                                    "mode": "email"}, max_redirects=0)  # fmt: skip
    assert again.status == 303
    assert again.headers["location"] == made.removeprefix(site.url)
    await page.goto(picture)
    await expect(page.get_by_text(f"Resent as #{made.rsplit('/', 1)[1]}")).to_be_visible()
    await page.goto("/?scope=all")  # the log marks the resend beside its subject
    await expect(page.get_by_text(f"resend of #{site.seed.picture_day}").first).to_be_visible()
