"""``smlog console screenshots``: a picture of every console screen for ``docs/console/``,
taken in Chromium from a private stack seeded like the browser tests, so they stay current.

Needs the development install (Playwright) and Debian's ``chromium`` (see ``cli/browser.py``).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from smlog.config import SERVICES


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("console", help="web console tools")
    tools = p.add_subparsers(dest="tool", required=True, metavar="TOOL")
    shots = tools.add_parser("screenshots", help="take a picture of every console screen")
    shots.add_argument("--out", type=Path, default=Path("docs/console"), help="PNG folder")
    shots.set_defaults(run=run_screenshots)


def run_screenshots(args: argparse.Namespace) -> int:
    args.out.mkdir(parents=True, exist_ok=True)
    for name in asyncio.run(screenshots(args.out)):
        print(f"wrote {name}")
    return 0


async def screenshots(out: Path) -> list[Path]:
    from playwright.async_api import async_playwright

    from smlog.cli.browser import launch_chromium
    from smlog.cli.console_seed import PEOPLE, seed_console
    from smlog.cli.demo.people import build_district, phones
    from smlog.cli.stackrun import private_stack

    written: list[Path] = []
    async with private_stack(names=(*SERVICES, "console"), prefix="smlog-shots-") as stack:
        seed = await seed_console(stack.settings)
        base = f"http://127.0.0.1:{stack.settings.console_port}"
        async with async_playwright() as playwright:
            browser = await launch_chromium(playwright)
            viewport = {"width": 1280, "height": 900}
            context = await browser.new_context(base_url=base, viewport=viewport)  # type: ignore[arg-type]
            page = await context.new_page()

            async def shot(name: str, path: str = "", full: bool = False) -> None:
                if path:
                    await page.goto(path)
                file = out / f"{name}.png"
                await page.screenshot(path=str(file), full_page=full)
                written.append(file)

            await shot("sign-in", "/sign-in")
            await page.get_by_role("button", name="Sign in as Principal Skinner").click()
            await shot("log", "/?scope=all")
            await shot("log-errors", "/?scope=all&message_id=12a&start=2026-03-05&end=2026-03-01")
            await shot("detail", f"/messages/{seed.snow_day}", full=True)
            await page.get_by_text("Build Report").click()
            await shot("build-report")
            await shot("in-progress", f"/messages/{seed.reminder}")
            await shot("cancel", f"/messages/{seed.reminder}/cancel")
            await shot("recipients", f"/messages/{seed.snow_day}/recipients")
            number = phones(build_district(PEOPLE))[2]  # the first two opted out
            await shot("search", f"/search?by=phone&q={number.removeprefix('+1')}", full=True)
            await shot("resend", f"/messages/{seed.bus_route}/resend")
            await context.clear_cookies()
            await page.goto("/sign-in")
            await page.get_by_role("button", name="Sign in as Groundskeeper Willie").click()
            await shot("forbidden")
            await browser.close()
    return written
