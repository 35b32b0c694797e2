"""The log service in-process (``tests/support/log.py``) for every log test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from smlog.config import Settings
from tests.support.log import LogEnv, running_log


@pytest.fixture
async def env(settings: Settings) -> AsyncIterator[LogEnv]:
    async with running_log(settings) as log_env:
        yield log_env
