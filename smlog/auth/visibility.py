"""Who may see and act on which message: the one rule set every service applies.

The log, reports, status (attempt history) and dispatch (watch, recipients, start, cancel)
all decide here, so they cannot drift apart (docs/rights.md):

- ``may_see``: the log's rule. A user with ``sent_message_log`` sees a sent message of its own
  district when it holds the message type's right and either ``all_messages`` or
  ``my_messages`` for a message it created. Drafts are never in the log; service identities
  never read the log.
- ``is_creator``: the message is the caller's own (same district, created by the caller). A
  draft belongs to its creator alone: only the creator adds recipients, starts or watches it.
- ``may_cancel``: ``cancel_messages``, the type's right, and the message either visible under
  the log's rule or the caller's own draft.

Each decision is a pure function of the verified caller and a ``MessageFacts``; a service
loads the facts, asks, and answers NOT_FOUND when the answer is no, exactly as for an id that
does not exist (so a message's existence is not revealed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smlog.auth.rights import TYPE_RIGHTS, Right
from smlog.auth.tokens import Caller
from smlog.errors import PermissionDeniedError
from smlog.v1.common_pb2 import MessageStatus

__all__ = [
    "MessageFacts",
    "is_creator",
    "may_cancel",
    "may_see",
    "require_log_access",
    "require_user",
]

_DRAFT = MessageStatus.MESSAGE_STATUS_DRAFT


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What the rules look at in a message row."""

    district_id: int
    created_by: str
    message_type: int
    draft: bool

    @classmethod
    def of(cls, row: Any) -> MessageFacts:
        """From a row with ``district_id``, ``created_by_user_id``, ``message_type``,
        ``status`` and ``sent_time`` columns (a message without a start time is a draft)."""
        return cls(
            district_id=int(row["district_id"]),
            created_by=str(row["created_by_user_id"]),
            message_type=int(row["message_type"]),
            draft=int(row["status"]) == _DRAFT or row["sent_time"] is None,
        )


def require_user(caller: Caller, action: str) -> None:
    """Service identities act for no user: PERMISSION_DENIED on calls made for a person."""
    if caller.is_service:
        raise PermissionDeniedError("user identity", action)


def require_log_access(caller: Caller) -> None:
    """Into the log at all: a user with ``sent_message_log`` and ``all_messages`` or
    ``my_messages``; PERMISSION_DENIED naming what is missing otherwise."""
    require_user(caller, "read the Sent Message Log")
    if Right.SENT_MESSAGE_LOG not in caller.rights:
        raise PermissionDeniedError(Right.SENT_MESSAGE_LOG.value, "open the Sent Message Log")
    if not (Right.MY_MESSAGES in caller.rights or Right.ALL_MESSAGES in caller.rights):
        raise PermissionDeniedError("all_messages or my_messages", "open the Sent Message Log")


def _type_right(caller: Caller, message: MessageFacts) -> bool:
    right = TYPE_RIGHTS.get(message.message_type)
    return right is not None and right in caller.rights


def is_creator(caller: Caller, message: MessageFacts) -> bool:
    return (
        not caller.is_service
        and message.district_id == caller.district_id
        and message.created_by == caller.user_id
    )


def may_see(caller: Caller, message: MessageFacts) -> bool:
    """The log's rule (GetMessage, ListDeliveries, reports, attempt history, WatchMessage)."""
    if caller.is_service or message.draft or message.district_id != caller.district_id:
        return False
    rights = caller.rights
    if Right.SENT_MESSAGE_LOG not in rights or not _type_right(caller, message):
        return False
    if Right.ALL_MESSAGES in rights:
        return True
    return Right.MY_MESSAGES in rights and message.created_by == caller.user_id


def may_cancel(caller: Caller, message: MessageFacts) -> bool:
    if caller.is_service or Right.CANCEL_MESSAGES not in caller.rights:
        return False
    if message.draft:
        return is_creator(caller, message) and _type_right(caller, message)
    return may_see(caller, message)
