from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.vendors.fake_vendor import FakeVendor, start_fake


@pytest.fixture
async def fake_vendor() -> AsyncIterator[FakeVendor]:
    async for fake in start_fake():
        yield fake
