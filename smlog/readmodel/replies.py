"""Text Opt In / Text Opt Out entries: a recipient's reply to the district's short code.

The seed: "The individual delivery statuses here don't apply because it's from the recipient
to the campus shortcode." Such an entry has no Delivery Information and no Recipient Details;
Message Detail (and its report) carry an ``SmsReply`` instead: the number (masked as in
Recipient Details), the keyword received, whose number it is, and what happened, in words.
"""

from __future__ import annotations

from smlog.clock import to_timestamp
from smlog.readmodel.masking import format_phone
from smlog.store import ReadOnly
from smlog.v1.common_pb2 import MessageType
from smlog.v1.log_pb2 import SmsReply

__all__ = ["REPLY_TYPES", "load_reply", "reply_summary"]

REPLY_TYPES = frozenset(
    {int(MessageType.MESSAGE_TYPE_TEXT_OPT_IN), int(MessageType.MESSAGE_TYPE_TEXT_OPT_OUT)}
)


def reply_summary(message_type: int, phone: str, keyword: str, name: str, short_code: str) -> str:
    who = f"{phone} ({name})" if name else phone
    to = f"short code {short_code}" if short_code else "the district's short code"
    if message_type == MessageType.MESSAGE_TYPE_TEXT_OPT_OUT:
        return (
            f"{who} replied {keyword} to {to}: texts to this number are Opt-Out "
            "(not sent) until it replies START."
        )
    return f"{who} replied {keyword} to {to}: this number receives texts again."


async def load_reply(db: ReadOnly, message_id: int, message_type: int) -> SmsReply | None:
    """The reply of a Text Opt In / Text Opt Out entry (None for any other message)."""
    if message_type not in REPLY_TYPES:
        return None
    row = await db.fetch_one(
        "SELECT phone, keyword, recipient_name, short_code, receive_time FROM sms_replies"
        " WHERE message_id = ?",
        (message_id,),
    )
    if row is None:
        return SmsReply(summary="The reply's number and keyword were not recorded.")
    phone = format_phone(str(row["phone"]), full=False)
    keyword, name, code = str(row["keyword"]), str(row["recipient_name"]), str(row["short_code"])
    return SmsReply(
        phone=phone,
        keyword=keyword,
        recipient_name=name,
        short_code=code,
        receive_time=to_timestamp(int(row["receive_time"])),
        summary=reply_summary(message_type, phone, keyword, name, code),
    )
