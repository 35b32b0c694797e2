"""Inbound texts: STOP and START variants opt the number out and in and appear in the log;
HELP is answered; anything else is kept in the journal only."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp import web

from smlog.config import Settings
from smlog.services.status.optout import Keyword, classify
from smlog.services.status.service import StatusParts, create_parts
from smlog.store import Database
from smlog.v1.common_pb2 import MessageType as M
from smlog.vendors import VoxologyClient
from tests.status.helpers import TEXT, add_attempts, count, inbound_payload, voxology_request
from tests.support.builders import add_district
from tests.support.services import http_app, started_components
from tests.support.waiting import wait_for

PATH = "/webhooks/voxology/inbound"
PHONE = "+15555550123"


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", Keyword.OPT_OUT),
        (" stop ", Keyword.OPT_OUT),
        ("Stop", Keyword.OPT_OUT),
        ("STOPALL", Keyword.OPT_OUT),
        ("unsubscribe", Keyword.OPT_OUT),
        ("CANCEL", Keyword.OPT_OUT),
        ("end", Keyword.OPT_OUT),
        ("Quit\n", Keyword.OPT_OUT),
        ("START", Keyword.OPT_IN),
        ("yes", Keyword.OPT_IN),
        ("UnStop", Keyword.OPT_IN),
        ("help", Keyword.HELP),
        (" HELP ", Keyword.HELP),
        ("stop please", Keyword.OTHER),
        ("", Keyword.OTHER),
        ("Thanks!", Keyword.OTHER),
    ],
)
def test_keywords(body: str, keyword: Keyword) -> None:
    assert classify(body)[0] is keyword


async def post(http: aiohttp.ClientSession, payload: dict[str, Any]) -> tuple[int, Any]:
    body, headers = voxology_request(payload, PATH)
    async with http.post(PATH, data=body, headers=headers) as r:
        return r.status, await r.json()


async def opted_out(db: Database) -> int | None:
    row = await db.fetch_one(
        "SELECT opted_out FROM sms_opt_outs WHERE phone = ? AND short_code = '55555'", (PHONE,)
    )
    return None if row is None else int(row[0])


async def applied(db: Database, n: int) -> None:
    async def check() -> bool:
        return await count(db, "SELECT count(*) FROM webhook_journal WHERE state = 1") == n

    await wait_for(check)


@pytest.mark.parametrize("text", [" stop ", "Stop", "UNSUBSCRIBE", "quit"])
async def test_stop_opts_out_and_logs_a_text_opt_out(
    http: aiohttp.ClientSession, db: Database, status: StatusParts, text: str
) -> None:
    await add_district(db)
    await add_attempts(db, TEXT, address=PHONE, recipient="Maria Diaz")
    assert (await post(http, inbound_payload(text, sender=PHONE)))[0] == 200
    await applied(db, 1)
    assert await opted_out(db) == 1
    message = await db.fetch_one(
        "SELECT id, message_type, subject, status, created_by_user_id, created_by_name,"
        " sent_time, end_time, pending_targets, total_recipients FROM messages"
        " WHERE created_by_user_id = 'sms-reply'"
    )
    assert message is not None
    assert message["message_type"] == M.MESSAGE_TYPE_TEXT_OPT_OUT
    masked = "(***) ***-" + PHONE[-4:]
    assert message["subject"] == f"Text Opt Out: {text.strip().upper()} from {masked}"
    assert message["status"] == 2
    assert message["created_by_name"] == "Recipient reply"
    assert message["sent_time"] == message["end_time"]
    assert (message["pending_targets"], message["total_recipients"]) == (0, 0)
    reply = await db.fetch_one(
        "SELECT phone, keyword, recipient_name, short_code, receive_time FROM sms_replies"
        " WHERE message_id = ?",
        (message["id"],),
    )
    assert reply is not None
    assert tuple(reply)[:4] == (PHONE, text.strip().upper(), "Maria Diaz", "55555")
    assert reply["receive_time"] == message["sent_time"]
    # A reply is not a delivery: no recipient row, no target, no counters.
    for table in ("recipients", "targets", "message_mode_stats"):
        rows = await db.fetch_all(
            f"SELECT 1 FROM {table} WHERE message_id = ?",
            (message["id"],),
        )
        assert rows == [], table


@pytest.mark.parametrize("text", ["START", "yes", " Unstop"])
async def test_start_opts_back_in(
    http: aiohttp.ClientSession, db: Database, status: StatusParts, text: str
) -> None:
    await add_district(db)
    assert (await post(http, inbound_payload("STOP", sender=PHONE)))[0] == 200
    await applied(db, 1)
    assert (await post(http, inbound_payload(text, sender=PHONE)))[0] == 200
    await applied(db, 2)
    assert await opted_out(db) == 0
    row = await db.fetch_one(
        "SELECT r.recipient_name, r.keyword FROM messages m"
        " JOIN sms_replies r ON r.message_id = m.id WHERE m.message_type = ?",
        (M.MESSAGE_TYPE_TEXT_OPT_IN,),
    )
    assert row is not None
    assert tuple(row) == ("Unknown recipient", text.strip().upper())


async def test_other_texts_are_kept_but_change_nothing(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    await add_district(db)
    assert (await post(http, inbound_payload("see you at the game", sender=PHONE)))[0] == 200
    await applied(db, 1)
    assert await opted_out(db) is None
    assert await count(db, "SELECT count(*) FROM messages") == 0


async def test_unknown_short_code_is_refused(
    http: aiohttp.ClientSession, db: Database, status: StatusParts
) -> None:
    await add_district(db)
    code, answer = await post(http, inbound_payload("STOP", to="99999"))
    assert code == 400
    assert answer["error"]["reason"] == "unknown_short_code"
    assert await count(db, "SELECT count(*) FROM webhook_journal") == 0


async def test_help_is_answered_from_the_short_code(
    db: Database, status_settings: Settings
) -> None:
    await add_district(db, name="Springfield Public Schools")
    sent: list[dict[str, Any]] = []

    async def fake_voxology(request: web.Request) -> web.Response:
        sent.append({"key": request.headers.get("Idempotency-Key"), **(await request.json())})
        return web.json_response({"message_id": "SM9", "status": "queued"}, status=201)

    app = web.Application()
    app.router.add_post("/v1/messages", fake_voxology)
    async with http_app(app) as vendor:
        texts = VoxologyClient(status_settings.replace(voxology_url=vendor))
        parts = await create_parts(status_settings, http_port=0, texts=texts)
        async with (
            started_components(parts.parts),
            aiohttp.ClientSession(f"http://127.0.0.1:{parts.edge.port}") as http,
        ):
            payload = inbound_payload(" help ", sender=PHONE)
            assert (await post(http, payload))[0] == 200

            async def answered() -> bool:
                return len(sent) == 1

            await wait_for(answered)
    assert sent[0]["to"] == PHONE
    assert sent[0]["from"] == "55555"
    assert sent[0]["body"].startswith("Springfield Public Schools: reply STOP")
    assert sent[0]["key"] == f"smlog-help-{payload['event_id']}"
    assert "reply=help" in sent[0]["status_callback"]
    assert await count(db, "SELECT count(*) FROM messages") == 0
