"""The log and Message Detail link a resend and its original, only where the viewer may see
the other message."""

from __future__ import annotations

from smlog.v1.log_pb2 import MESSAGE_SCOPE_ALL, GetMessageRequest, ListMessagesRequest
from tests.support.builders import DAY, EMERGENCY, GENERAL, T0, add_district, add_message
from tests.support.log import LogEnv
from tests.support.rights import ALL

NO_EMERGENCY = [r for r in ALL if r != "type_emergency"]


async def test_links_both_ways_and_hidden_originals_are_not_named(env: LogEnv) -> None:
    await add_district(env.db, 1)
    original = await add_message(env.db, district_id=1, message_type=GENERAL, sent_time=T0)
    secret = await add_message(env.db, district_id=1, message_type=EMERGENCY, sent_time=T0)
    resend = await add_message(env.db, district_id=1, sent_time=T0 + DAY)
    of_secret = await add_message(env.db, district_id=1, sent_time=T0 + 2 * DAY)
    async with env.db.transaction() as tx:
        await tx.execute("UPDATE messages SET resend_of = ? WHERE id = ?", (original, resend))
        await tx.execute("UPDATE messages SET resend_of = ? WHERE id = ?", (secret, of_secret))

    request = ListMessagesRequest(scope=MESSAGE_SCOPE_ALL)
    listed = await env.stub().ListMessages(request)
    assert {m.message_id: m.resend_of for m in listed.messages} == {
        original: 0,
        secret: 0,
        resend: original,
        of_secret: secret,
    }
    limited = env.stub(rights=NO_EMERGENCY)
    listed = await limited.ListMessages(request)
    assert {m.message_id: m.resend_of for m in listed.messages} == {
        original: 0,
        resend: original,
        of_secret: 0,  # its original is of a type this viewer may not see
    }

    detail = (await env.stub().GetMessage(GetMessageRequest(message_id=original))).message
    assert (detail.resend_of, list(detail.resent_as)) == (0, [resend])
    detail = (await limited.GetMessage(GetMessageRequest(message_id=of_secret))).message
    assert (detail.resend_of, list(detail.resent_as)) == (0, [])
    detail = (await env.stub().GetMessage(GetMessageRequest(message_id=of_secret))).message
    assert detail.resend_of == secret
