"""The links between a message and its resends, as Message Detail shows them.

A message made by ResendMessage names its original in ``messages.resend_of`` (migration 0101).
Message Detail shows "resend of #N" and "resent as #M" only for messages the viewer may see
itself (``smlog.auth.visibility.may_see``), so a link never reveals a hidden message.
"""

from __future__ import annotations

from smlog.auth.visibility import MessageFacts, may_see
from smlog.readmodel.access import Viewer
from smlog.store import ReadOnly, in_marks

_FACTS = "id, district_id, created_by_user_id, message_type, status, sent_time"


async def resend_links(db: ReadOnly, viewer: Viewer, message_id: int) -> tuple[int, list[int]]:
    """(the original this message resends or 0, its resends oldest first), both limited to
    messages the viewer may see."""
    original = 0
    row = await db.fetch_one(
        f"SELECT o.{_FACTS.replace(', ', ', o.')} FROM messages m"  # noqa: S608
        " JOIN messages o ON o.id = m.resend_of WHERE m.id = ?",
        (message_id,),
    )
    if row is not None and may_see(viewer.caller, MessageFacts.of(row)):
        original = int(row["id"])
    rows = await db.fetch_all(
        f"SELECT {_FACTS} FROM messages WHERE resend_of = ? ORDER BY id",  # noqa: S608
        (message_id,),
    )
    resent = [int(r["id"]) for r in rows if may_see(viewer.caller, MessageFacts.of(r))]
    return original, resent


async def resend_origins(db: ReadOnly, viewer: Viewer, message_ids: list[int]) -> dict[int, int]:
    """For the resends among ``message_ids`` (a log page), the original each resends, when the
    viewer may see it."""
    if not message_ids:
        return {}
    marks = in_marks(len(message_ids))
    rows = await db.fetch_all(
        f"SELECT m.id AS resend_id, o.{_FACTS.replace(', ', ', o.')} FROM messages m"  # noqa: S608
        f" JOIN messages o ON o.id = m.resend_of WHERE m.id IN ({marks})",
        message_ids,
    )
    return {
        int(r["resend_id"]): int(r["id"])
        for r in rows
        if may_see(viewer.caller, MessageFacts.of(r))
    }
