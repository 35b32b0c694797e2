"""Names people read for the API's enums, durations and counts (reports, CLI, demo)."""

from __future__ import annotations

from google.protobuf.duration_pb2 import Duration

from smlog.v1.common_pb2 import DeliveryMode, MessageStatus, MessageType

_M = DeliveryMode
_T = MessageType
_S = MessageStatus

MODE_LABELS: dict[int, str] = {
    _M.DELIVERY_MODE_INBOX: "Inbox",
    _M.DELIVERY_MODE_EMAIL: "Email",
    _M.DELIVERY_MODE_VOICE: "Voice",
    _M.DELIVERY_MODE_TEXT: "Text",
}

TYPE_LABELS: dict[int, str] = {
    _T.MESSAGE_TYPE_GENERAL: "Messenger 2.0 - General",
    _T.MESSAGE_TYPE_PRIORITY: "Messenger 2.0 - Priority",
    _T.MESSAGE_TYPE_EMERGENCY: "Messenger 2.0 - Emergency",
    _T.MESSAGE_TYPE_TEXT_OPT_IN: "Text Opt In",
    _T.MESSAGE_TYPE_TEXT_OPT_OUT: "Text Opt Out",
}

MESSAGE_STATUS_LABELS: dict[int, str] = {
    _S.MESSAGE_STATUS_IN_PROGRESS: "In Progress",
    _S.MESSAGE_STATUS_SENT: "Sent",
    _S.MESSAGE_STATUS_ERRORED: "Errored",
    _S.MESSAGE_STATUS_CANCELED: "Canceled",
    _S.MESSAGE_STATUS_NO_RECIPIENTS: "No Recipients",
    _S.MESSAGE_STATUS_DRAFT: "Draft",
}


def mode_label(mode: int) -> str:
    """ "Inbox", "Email", "Voice" or "Text" ("Unknown" for values this build does not know)."""
    return MODE_LABELS.get(mode, "Unknown")


def type_label(message_type: int) -> str:
    """The log's Message Type name, for example "Messenger 2.0 - Emergency"."""
    return TYPE_LABELS.get(message_type, "Unknown")


def message_status_label(status: int) -> str:
    """The Message Status of a message as a whole, for example "Sent"."""
    return MESSAGE_STATUS_LABELS.get(status, "Unknown")


def format_seconds(total: int) -> str:
    """Whole seconds as "1 h 02 min 03 s", "4 min 05 s" or "0 s"; hours are not folded into days."""
    total = max(total, 0)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min {seconds:02d} s"
    if minutes:
        return f"{minutes} min {seconds:02d} s"
    return f"{seconds} s"


def format_duration(duration: Duration) -> str:
    """A protobuf Duration truncated to whole seconds (the seed: 0 s means under a second)."""
    return format_seconds(duration.seconds)


def format_count(value: int, *, grouped: bool) -> str:
    """A count as "12,345" for print, or "12345" for spreadsheets."""
    return f"{value:,}" if grouped else str(value)
