"""Who may see which messages: tool rights, scope and district, applied to every read.

Rules (docs/log.md, docs/rights.md):
- no ``sent_message_log`` right, or a service identity: PERMISSION_DENIED;
- ``my_messages`` only: messages the caller created; ``all_messages``: the whole district;
  a user with both lists My Messages unless asking for All, and may open any district message;
- messages of a type the caller has no type right for are never shown (NOT_FOUND when asked
  for by id); a filter on such a type is PERMISSION_DENIED naming the type's right;
- a caller only ever sees its own district; drafts are not in the log.

Whether one message may be opened is decided by ``smlog.auth.visibility.may_see``, the rule
every service applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from smlog.auth import TYPE_RIGHTS, Caller, Right
from smlog.auth.visibility import MessageFacts, may_see, require_log_access
from smlog.errors import InvalidArgumentError, NotFoundError, PermissionDeniedError
from smlog.store import ReadOnly, Row
from smlog.v1.common_pb2 import MessageType
from smlog.v1.log_pb2 import MessageScope

ALL_TYPES: tuple[int, ...] = tuple(sorted(TYPE_RIGHTS))
SCOPE_MY = MessageScope.MESSAGE_SCOPE_MY
SCOPE_ALL = MessageScope.MESSAGE_SCOPE_ALL

# The columns every read of one message needs.
MESSAGE_COLUMNS = (
    "id, district_id, created_by_user_id, created_by_name, message_type, subject,"
    " delivery_modes, content_json, has_attachment, attachment_name, recipient_groups_json,"
    " preferred_language, school_year, active_students_only, tool_criteria_json, status,"
    " sent_time, end_time, total_recipients, recipients_no_device"
)


@dataclass(frozen=True, slots=True)
class Viewer:
    """A verified user allowed into the log, and what its rights let it see."""

    user_id: str
    district_id: int
    types: tuple[int, ...]  # message types the viewer has rights to, in enum order
    my_messages: bool
    all_messages: bool
    full_devices: bool  # may see unmasked phone numbers and email addresses
    caller: Caller

    def resolve_scope(self, requested: int) -> int:
        """The scope a list applies: UNSPECIFIED is My Messages when the viewer has it."""
        if requested == MessageScope.MESSAGE_SCOPE_UNSPECIFIED:
            return SCOPE_MY if self.my_messages else SCOPE_ALL
        if requested == SCOPE_MY:
            if not self.my_messages:
                raise PermissionDeniedError(Right.MY_MESSAGES.value, "list My Messages")
            return SCOPE_MY
        if requested == SCOPE_ALL:
            if not self.all_messages:
                raise PermissionDeniedError(Right.ALL_MESSAGES.value, "list All Messages")
            return SCOPE_ALL
        raise InvalidArgumentError("scope", f"unknown MessageScope value {requested}")

    def filter_types(self, requested: Sequence[int]) -> tuple[int, ...]:
        """The message types a list shows: the requested ones (each needing its right), or
        every type the viewer has rights to when none are requested."""
        if not requested:
            return self.types
        wanted: set[int] = set()
        for value in requested:
            if value not in TYPE_RIGHTS:
                raise InvalidArgumentError("message_types", f"unknown MessageType value {value}")
            if value not in self.types:
                name = MessageType.Name(value)  # type: ignore[arg-type]
                raise PermissionDeniedError(TYPE_RIGHTS[value].value, f"filter on {name}")
            wanted.add(value)
        return tuple(sorted(wanted))

    def may_see(self, row: Row) -> bool:
        """Whether this viewer may open a message row (district, type, creator, not draft)."""
        return may_see(self.caller, MessageFacts.of(row))


def viewer_of(caller: Caller) -> Viewer:
    """The caller as a log viewer, or PERMISSION_DENIED naming the missing right."""
    require_log_access(caller)
    return Viewer(
        user_id=caller.user_id,
        district_id=caller.district_id,
        types=tuple(t for t in ALL_TYPES if TYPE_RIGHTS[t] in caller.rights),
        my_messages=Right.MY_MESSAGES in caller.rights,
        all_messages=Right.ALL_MESSAGES in caller.rights,
        full_devices=Right.VIEW_DEVICE_DETAILS in caller.rights,
        caller=caller,
    )


def check_message_id(message_id: int, field: str = "message_id") -> None:
    if message_id <= 0:
        raise InvalidArgumentError(field, "must be a positive message id")


async def load_visible_message(db: ReadOnly, viewer: Viewer, message_id: int) -> Row:
    """The message row, or NOT_FOUND, the same for a message that does not exist and for
    one the viewer may not see (so its existence is not revealed)."""
    check_message_id(message_id)
    row = await db.fetch_one(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ? AND district_id = ?",  # noqa: S608
        (message_id, viewer.district_id),
    )
    if row is None or not viewer.may_see(row):
        raise NotFoundError(f"message {message_id} not found")
    return row
