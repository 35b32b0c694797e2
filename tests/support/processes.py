"""Real ``smlog`` processes for end-to-end and kill tests: a stack on the settings' free ports
(``smlog.cli.stackrun.private_settings``), stopped at the end however the test ends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from smlog.cli.up import Stack
from smlog.config import Settings

__all__ = ["running_stack"]


@asynccontextmanager
async def running_stack(
    settings: Settings,
    args: Sequence[str],
    names: Sequence[str],
    *,
    quiet: bool = False,
    log_dir: Path | None = None,
) -> AsyncIterator[Stack]:
    """``names`` started as child processes with ``args`` (the settings as ``--set`` flags)
    and healthy; SIGTERM (then SIGKILL) to each at the end."""
    stack = Stack(settings, list(names), extra_args=list(args), quiet=quiet, log_dir=log_dir)
    await stack.start()
    try:
        yield stack
    finally:
        await stack.stop()
