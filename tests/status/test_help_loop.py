"""A number that answers every text with HELP (the Voxology simulator's +15555550126) gets one
HELP answer, not one per HELP: answering each made the two text each other for ever."""

from __future__ import annotations

import aiohttp

from smlog.config import Settings
from smlog.runtime.tasks import free_port
from smlog.services.status.service import create_parts
from smlog.simulators import voxology as voxology_sim
from smlog.store import Database
from smlog.vendors import VoxologyClient
from tests.status.helpers import VOX_SECRET, metric
from tests.support.builders import add_district
from tests.support.services import http_app, started_components
from tests.support.waiting import wait_for

HELP_NUMBER = "+15555550126"  # replies " Help " after every delivered text


def _count(result: str) -> float:
    return metric("smlog_status_sms_help_replies_total", result=result)


async def test_a_number_that_answers_help_with_help_is_answered_once(
    db: Database, status_settings: Settings
) -> None:
    await add_district(db)
    http_port = free_port()
    edge = f"http://127.0.0.1:{http_port}"
    sim_app = voxology_sim.build_app(
        voxology_sim.VoxologySettings(
            time_scale=0, seed=1, port=0, signing_secret=VOX_SECRET,
            inbound_url=f"{edge}/webhooks/voxology/inbound",
            sms_callback_url=f"{edge}/webhooks/voxology/sms",
        )
    )  # fmt: skip
    async with http_app(sim_app) as sim:
        settings = status_settings.replace(status_public_url=edge, voxology_url=sim)
        parts = await create_parts(settings, http_port=http_port, texts=VoxologyClient(settings))
        async with started_components(parts.parts), aiohttp.ClientSession() as http:
            sent, repeated = _count("sent"), _count("not_repeated")
            reply = {"from": HELP_NUMBER, "body": "HELP"}
            async with http.post(f"{sim}/admin/reply", json=reply) as r:
                assert r.status == 202

            async def answered_once_then_not_again() -> bool:
                return _count("sent") > sent and _count("not_repeated") > repeated

            await wait_for(answered_once_then_not_again)
            async with http.get(f"{sim}/admin/stats") as r:
                stats = await r.json()
    assert (_count("sent"), _count("not_repeated")) == (sent + 1, repeated + 1)
    assert stats["accepted"] == {"sms": 1}
