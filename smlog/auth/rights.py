"""Tool rights, as the seed names them, and the message type each type right admits."""

from __future__ import annotations

from enum import StrEnum

from smlog.v1.common_pb2 import MessageType


class Right(StrEnum):
    # Access to Sent Message Log 2.0 at all.
    SENT_MESSAGE_LOG = "sent_message_log"
    # The "All Messages" and "My Messages" views.
    ALL_MESSAGES = "all_messages"
    MY_MESSAGES = "my_messages"
    # One right per message type (log filter, detail, reports, and sending).
    TYPE_GENERAL = "type_general"
    TYPE_PRIORITY = "type_priority"
    TYPE_EMERGENCY = "type_emergency"
    TYPE_TEXT_OPT_IN = "type_text_opt_in"
    TYPE_TEXT_OPT_OUT = "type_text_opt_out"
    # Full phone numbers and email addresses in recipient rows (masked otherwise).
    VIEW_DEVICE_DETAILS = "view_device_details"
    # Messenger 2.0: send and cancel messages; manage districts and calendars.
    SEND_MESSAGES = "send_messages"
    CANCEL_MESSAGES = "cancel_messages"
    DISTRICT_ADMIN = "district_admin"


TYPE_RIGHTS: dict[int, Right] = {
    MessageType.MESSAGE_TYPE_GENERAL: Right.TYPE_GENERAL,
    MessageType.MESSAGE_TYPE_PRIORITY: Right.TYPE_PRIORITY,
    MessageType.MESSAGE_TYPE_EMERGENCY: Right.TYPE_EMERGENCY,
    MessageType.MESSAGE_TYPE_TEXT_OPT_IN: Right.TYPE_TEXT_OPT_IN,
    MessageType.MESSAGE_TYPE_TEXT_OPT_OUT: Right.TYPE_TEXT_OPT_OUT,
}


def parse_rights(values: list[str] | tuple[str, ...]) -> frozenset[Right]:
    """Rights from their names; unknown names raise ValueError naming them."""
    known = {r.value: r for r in Right}
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ValueError(f"unknown right(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return frozenset(known[v] for v in values)
