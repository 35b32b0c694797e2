"""The one visibility rule set, as a table: caller x message -> may see / creator / cancel."""

from __future__ import annotations

import pytest

from smlog.auth import Caller, Right
from smlog.auth.visibility import MessageFacts, is_creator, may_cancel, may_see
from smlog.v1.common_pb2 import MessageType

GENERAL = MessageType.MESSAGE_TYPE_GENERAL
R = Right


def user(name: str, *rights: Right, district: int = 1) -> Caller:
    return Caller(user_id=name, district_id=district, rights=frozenset(rights))


LOG = (R.SENT_MESSAGE_LOG, R.TYPE_GENERAL, R.CANCEL_MESSAGES)
SENT = MessageFacts(district_id=1, created_by="ann", message_type=GENERAL, draft=False)
DRAFT = MessageFacts(district_id=1, created_by="ann", message_type=GENERAL, draft=True)

CASES = [
    # caller, message, may_see, is_creator, may_cancel
    (user("ann", *LOG, R.MY_MESSAGES), SENT, True, True, True),
    (user("ann", *LOG, R.MY_MESSAGES), DRAFT, False, True, True),
    (user("bob", *LOG, R.MY_MESSAGES), SENT, False, False, False),
    (user("bob", *LOG, R.ALL_MESSAGES), SENT, True, False, True),
    (user("bob", *LOG, R.ALL_MESSAGES), DRAFT, False, False, False),
    (user("bob", R.SENT_MESSAGE_LOG, R.ALL_MESSAGES, R.CANCEL_MESSAGES), SENT, False, False, False),
    (user("bob", R.TYPE_GENERAL, R.ALL_MESSAGES, R.CANCEL_MESSAGES), SENT, False, False, False),
    (user("bob", R.SENT_MESSAGE_LOG, R.ALL_MESSAGES, R.TYPE_GENERAL), SENT, True, False, False),
    (user("ann", *LOG, R.ALL_MESSAGES, district=2), SENT, False, False, False),
    (user("ann", R.SEND_MESSAGES, R.TYPE_GENERAL), DRAFT, False, True, False),
    (Caller(user_id="service:status", service="status"), SENT, False, False, False),
]


@pytest.mark.parametrize(("caller", "message", "see", "creator", "cancel"), CASES)
def test_rules(
    caller: Caller, message: MessageFacts, see: bool, creator: bool, cancel: bool
) -> None:
    assert (may_see(caller, message), is_creator(caller, message), may_cancel(caller, message)) == (
        see,
        creator,
        cancel,
    )


def test_a_message_without_a_start_time_is_a_draft() -> None:
    row = {
        "district_id": 1,
        "created_by_user_id": "ann",
        "message_type": GENERAL,
        "status": 2,
        "sent_time": None,
    }
    assert MessageFacts.of(row).draft
