"""A real Chromium for the console's browser tests and screenshots: Debian's ``chromium``
package driven by Playwright (no browser download), and axe-core's accessibility check.

Needs the development install (``pip install -e '.[dev]'``: playwright, axe-playwright-python)
and ``apt-get install chromium`` (``SMLOG_CHROMIUM`` names another binary).
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from playwright.async_api import Browser, Page, Playwright

SERIOUS = ("serious", "critical")


def chromium_path() -> str | None:
    """The Chromium binary to drive, or None when this machine has none."""
    named = os.environ.get("SMLOG_CHROMIUM", "")
    if named:
        return named if os.path.exists(named) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


async def launch_chromium(playwright: Playwright) -> Browser:
    path = chromium_path()
    if path is None:
        raise RuntimeError("no Chromium: apt-get install chromium (or set SMLOG_CHROMIUM)")
    # --no-sandbox: CI and containers run as root, where Chromium's sandbox cannot start.
    return await playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])


async def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the page as it is now."""
    from axe_playwright_python.async_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                      "best-practice"]}}  # fmt: skip
    results: Any = await Axe().run(page, options=options)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]
