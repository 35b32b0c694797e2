"""Inbound replies reach the right district: a district's own short code names it, and a reply
to the shared default sender number (districts without a short code text from it) goes to the
district that texted that person from it. Nothing else is routable."""

from __future__ import annotations

from typing import Any

import aiohttp

from smlog.config import Settings
from smlog.services.status.service import StatusParts
from smlog.store import Database
from tests.status.helpers import TEXT, add_attempts, count, inbound_payload
from tests.status.helpers import voxology_request as signed
from tests.support.builders import add_district
from tests.support.waiting import wait_for

PATH = "/webhooks/voxology/inbound"
PARENT = "+15555550177"


async def post(http: aiohttp.ClientSession, payload: dict[str, Any]) -> tuple[int, Any]:
    body, headers = signed(payload, PATH)
    async with http.post(PATH, data=body, headers=headers) as r:
        return r.status, await r.json()


async def settled(db: Database, journaled: int) -> None:
    async def check() -> bool:
        done = "SELECT count(*) FROM webhook_journal WHERE state <> 0"
        return await count(db, done) == journaled

    await wait_for(check)


async def opt_out_districts(db: Database) -> list[int]:
    rows = await db.fetch_all(
        "SELECT m.district_id FROM messages m WHERE m.created_by_user_id = 'sms-reply'"
        " ORDER BY m.id"
    )
    return [int(r[0]) for r in rows]


async def test_a_stop_to_the_default_number_reaches_the_district_that_texted(
    http: aiohttp.ClientSession, db: Database, status: StatusParts, status_settings: Settings
) -> None:
    default = status_settings.voxology_from_number
    await add_district(db, 1)  # owns 55555
    await add_district(db, 2, short_code="", name="Shelbyville")
    await add_district(db, 3, short_code="", name="Ogdenville")
    await add_attempts(db, TEXT, district_id=2, address=PARENT)
    code, _ = await post(http, inbound_payload("STOP", sender=PARENT, to=default))
    assert code == 200
    await settled(db, 1)
    assert await opt_out_districts(db) == [2]
    row = await db.fetch_one(
        "SELECT opted_out FROM sms_opt_outs WHERE phone = ? AND short_code = ?",
        (PARENT, default),
    )
    assert row is not None
    assert int(row[0]) == 1
    # Later district 3 texts the same parent from the default number; a START now is its.
    await add_attempts(db, TEXT, district_id=3, address=PARENT)
    assert (await post(http, inbound_payload("START", sender=PARENT, to=default)))[0] == 200
    await settled(db, 2)
    assert await opt_out_districts(db) == [2, 3]


async def test_a_reply_nobody_can_route_is_refused(
    http: aiohttp.ClientSession, db: Database, status: StatusParts, status_settings: Settings
) -> None:
    default = status_settings.voxology_from_number
    await add_district(db, 1)
    await add_district(db, 2, short_code="", name="Shelbyville")
    # District 1 has its own short code: its texts never came from the default number.
    await add_attempts(db, TEXT, district_id=1, address=PARENT)
    assert (await post(http, inbound_payload("STOP", sender=PARENT, to=default)))[0] == 200
    await settled(db, 1)
    rejected = await db.fetch_one("SELECT state, reason FROM webhook_journal")
    assert rejected is not None
    assert rejected["reason"] == "unknown_short_code"
    assert await opt_out_districts(db) == []
    # A number we never send from is refused at the edge.
    code, answer = await post(http, inbound_payload("STOP", sender=PARENT, to="+15555559999"))
    assert (code, answer["error"]["reason"]) == (400, "unknown_short_code")
