"""Driving the console in a real Chromium: the private stack with the console, seeded; a
person signed in through the sign-in page; axe-core on every page; Build Report's file."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Download, Page

from smlog.cli.browser import chromium_path, serious_violations
from smlog.cli.console_seed import ConsoleSeed
from smlog.config import Settings


def require_chromium() -> None:
    """Skip without Chromium, except in CI, where a missing browser is a failure."""
    if chromium_path() is not None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail("CI must run the browser tests: apt-get install chromium (see .ci/run)")
    pytest.skip("browser tests skipped: Chromium is not installed (apt-get install chromium)")


@dataclass
class Site:
    settings: Settings
    seed: ConsoleSeed
    browser: Browser
    url: str

    async def signed_in(self, name: str, *, javascript: bool = True) -> Page:
        context = await self.browser.new_context(base_url=self.url, java_script_enabled=javascript)
        page = await context.new_page()
        await page.goto("/sign-in")
        if javascript:  # axe-core runs in the page: it needs script
            await accessible(page)
        await page.get_by_role("button", name=f"Sign in as {name}").click()
        await page.wait_for_load_state()
        return page


async def accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    async with asyncio.timeout(60):  # page.evaluate has no timeout of its own
        violations = await serious_violations(page)
    assert not violations, f"{page.url}: {violations}"


async def generate(page: Page) -> tuple[str, bytes]:
    """Click Generate; the report opens in a new tab: its URL and the bytes it received
    (a file the tab downloads, or the page it shows)."""
    downloads: list[Download] = []

    def keep(download: Download) -> None:
        downloads.append(download)

    page.on("download", keep)  # a tab that downloads reports it to the page that opened it
    try:
        async with page.expect_popup() as opened:
            await page.get_by_role("button", name="Generate").click()
        tab = await opened.value
        for _ in range(300):
            if downloads:
                async with asyncio.timeout(60):  # waits for the whole file
                    path = await downloads[0].path()
                return downloads[0].url, await asyncio.to_thread(Path(path).read_bytes)
            if tab.url.startswith("http"):  # shown in the tab: a PDF, or the form with errors
                await tab.wait_for_load_state()
                reply = await page.request.get(tab.url)
                return tab.url, await reply.body()
            await asyncio.sleep(0.1)
    finally:
        page.remove_listener("download", keep)
    raise AssertionError("the report tab neither showed nor downloaded anything")
