"""A number that answers every text with HELP (the Voxology simulator's +15555550126) gets one
HELP answer, not one per HELP: answering each made the two text each other for ever."""

from __future__ import annotations

import aiohttp
from aiohttp.test_utils import TestServer

from smlog.config import Settings
from smlog.runtime.tasks import free_port
from smlog.services.status import metrics
from smlog.services.status.service import create_parts
from smlog.simulators import voxology as voxology_sim
from smlog.store import Database
from smlog.vendors import VoxologyClient
from tests.status.helpers import VOX_SECRET, add_district
from tests.support.waiting import wait_for

HELP_NUMBER = "+15555550126"  # replies " Help " after every delivered text


def _count(result: str) -> float:
    value: float = metrics.HELP_REPLIES.labels(result)._value.get()
    return value


async def test_a_number_that_answers_help_with_help_is_answered_once(
    db: Database, status_settings: Settings
) -> None:
    await add_district(db)
    http_port = free_port()
    edge = f"http://127.0.0.1:{http_port}"
    sim = TestServer(
        voxology_sim.build_app(
            voxology_sim.VoxologySettings(
                time_scale=0, seed=1, port=0, signing_secret=VOX_SECRET,
                inbound_url=f"{edge}/webhooks/voxology/inbound",
                sms_callback_url=f"{edge}/webhooks/voxology/sms",
            )
        ),
        host="127.0.0.1",
    )  # fmt: skip
    await sim.start_server()
    settings = status_settings.replace(
        status_public_url=edge, voxology_url=str(sim.make_url("")).rstrip("/")
    )
    parts = await create_parts(settings, http_port=http_port, texts=VoxologyClient(settings))
    for component in parts.parts.components:
        await component.start()
    sent, repeated = _count("sent"), _count("not_repeated")
    try:
        async with aiohttp.ClientSession() as http:
            reply = {"from": HELP_NUMBER, "body": "HELP"}
            async with http.post(sim.make_url("/admin/reply"), json=reply) as r:
                assert r.status == 202

            async def answered_once_then_not_again() -> bool:
                return _count("sent") > sent and _count("not_repeated") > repeated

            await wait_for(answered_once_then_not_again)
            async with http.get(sim.make_url("/admin/stats")) as r:
                stats = await r.json()
        assert (_count("sent"), _count("not_repeated")) == (sent + 1, repeated + 1)
        assert stats["accepted"] == {"sms": 1}
    finally:
        for component in reversed(parts.parts.components):
            await component.stop()
        for close in reversed(parts.parts.on_close):
            await close()
        await sim.close()
