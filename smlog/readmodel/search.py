"""Recipient search: one person's device rows across every message the viewer may see.

SearchDeliveries finds a person by phone number (normalized to E.164), email address
(case-insensitive), name (case-insensitive prefix) or person id, and returns Recipient Details
rows across messages, newest message first (by message id: ids grow as messages are created;
within a message by target id, also descending), in keyset pages on ``(message_id,
target_id)`` (docs/search.md).

Visibility is the log's: the SQL narrows to the viewer's district, the message types it has
rights to, sent messages and (My Messages only) its own, and every row found is checked again
with ``may_see`` (``smlog.auth.visibility``), so a search never shows, counts or hints at
a message the viewer may not open. The response has no total, so a hidden message changes
nothing in the answer's shape.

Each search kind is served by an index (``0100_recipient_search``) that also yields the order:
``targets (lower(address), message_id, id)`` for phone and email, ``recipients (person_id,
message_id)``, and ``recipients (lower(name), message_id)`` for names. A name prefix is found
name by name: the different folded names starting with it (one index seek each, at most
``MAX_NAMES``), then each name's newest rows, merged; the folded comparison differs per
dialect (``smlog.store.dialect.folded``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import phonenumbers

from smlog.auth import Right
from smlog.auth.visibility import MessageFacts, may_see
from smlog.domain.modes import PHONE_MODES
from smlog.errors import InvalidArgumentError, PermissionDeniedError
from smlog.readmodel.access import Viewer
from smlog.readmodel.deliveries import check_modes
from smlog.readmodel.filters import day_bounds
from smlog.readmodel.masking import mask_detail, show_device
from smlog.readmodel.rows import DeliveryRow
from smlog.store import ReadOnly, Row, in_marks
from smlog.store.dialect import PREFIX_TOP, folded
from smlog.store.search import not_driving
from smlog.v1.common_pb2 import DeliveryMode, MessageStatus
from smlog.v1.log_pb2 import SearchDeliveriesRequest

MAX_TERM_CHARS = 100
MIN_NAME_CHARS = 2
# A name prefix is searched name by name (each an index range in message order, merged): at
# most this many different names may start with it.
MAX_NAMES = 100
# Numbers written without a country code are read as North American (the districts' plan).
DEFAULT_REGION = "US"

_EMAIL_MODES = (int(DeliveryMode.DELIVERY_MODE_EMAIL),)
_DRAFT = int(MessageStatus.MESSAGE_STATUS_DRAFT)

_COLUMNS = (
    "t.message_id, m.subject, m.sent_time, t.id, r.name, r.student_name, t.mode, t.address,"
    " t.extension, t.status, t.status_time, t.vendor_detail, t.attempt_count,"
    " m.district_id, m.created_by_user_id, m.message_type, m.status"
)


def normalize_phone(text: str) -> str:
    """``text`` as an E.164 number ("+15555550123"), or INVALID_ARGUMENT ``phone``."""
    if len(text) > MAX_TERM_CHARS:
        raise InvalidArgumentError("phone", f"at most {MAX_TERM_CHARS} characters")
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidArgumentError("phone", "not a phone number") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidArgumentError("phone", "not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _term(text: str, field: str, minimum: int = 1) -> str:
    value = text.strip()
    if len(value) > MAX_TERM_CHARS:
        raise InvalidArgumentError(field, f"at most {MAX_TERM_CHARS} characters")
    if len(value) < minimum:
        raise InvalidArgumentError(field, f"at least {minimum} characters")
    return value


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One row found: the message it belongs to and its Recipient Details row."""

    message_id: int
    subject: str
    sent_time_us: int
    delivery: DeliveryRow


@dataclass(frozen=True, slots=True)
class DeliverySearch:
    """A validated search: what to match, where, and the viewer it runs for."""

    viewer: Viewer
    kind: str  # "phone", "email", "name" or "person_id"
    value: str  # normalized: E.164, lower-cased email or name, person id as given
    modes: tuple[int, ...]  # empty: every mode the kind can match
    sent_from_us: int | None
    sent_before_us: int | None
    full_devices: bool

    @classmethod
    async def open(
        cls, db: ReadOnly, viewer: Viewer, request: SearchDeliveriesRequest
    ) -> DeliverySearch:
        kind = request.WhichOneof("recipient")
        if kind is None:
            raise InvalidArgumentError("recipient", "set one of phone, email, name or person_id")
        if kind == "phone":
            value = normalize_phone(request.phone)
        elif kind == "email":
            value = _term(request.email, "email").lower()
        elif kind == "name":
            value = _term(request.name, "name", MIN_NAME_CHARS).lower()
        else:
            value = _term(request.person_id, "person_id")
        if request.show_full_devices and not viewer.full_devices:
            raise PermissionDeniedError(
                Right.VIEW_DEVICE_DETAILS.value, "show full phone numbers and email addresses"
            )
        modes = check_modes(list(request.delivery_modes))
        sent_from, sent_before = await day_bounds(
            db,
            viewer.district_id,
            request.start_date if request.HasField("start_date") else None,
            request.end_date if request.HasField("end_date") else None,
        )
        return cls(viewer, kind, value, modes, sent_from, sent_before, request.show_full_devices)

    def key(self) -> list[object]:
        """The parts a page token is bound to."""
        return [
            self.kind,
            self.value,
            list(self.modes),
            self.sent_from_us,
            self.sent_before_us,
            self.full_devices,
            self.viewer.all_messages,
            list(self.viewer.types),
        ]

    def _where(
        self, dialect: str, after: tuple[int, int] | None, name: str = ""
    ) -> tuple[str, list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        modes = self.modes
        if self.kind in ("phone", "email"):
            allowed = PHONE_MODES if self.kind == "phone" else _EMAIL_MODES
            modes = tuple(m for m in (modes or allowed) if m in allowed)
            where.append("lower(t.address) = ?")
            params.append(self.value)
        elif self.kind == "name":
            where.append(f"{folded(dialect, 'r.name')} = ?")
            params.append(name)
        else:
            where.append("r.person_id = ?")
            params.append(self.value)
        if self.kind in ("phone", "email") and not modes:
            where.append("0 = 1")  # the modes asked for cannot hold this kind of address
        elif modes:
            where.append(f"t.mode IN ({in_marks(len(modes))})")
            params.extend(modes)
        visible, visible_params = self._visible(dialect)
        where.append(visible)
        params.extend(visible_params)
        if after is not None:
            order = self._message_column()
            where.append(f"({order} < ? OR ({order} = ? AND t.id < ?))")
            params.extend([after[0], after[0], after[1]])
        return " AND ".join(where), params

    def _visible(self, dialect: str) -> tuple[str, list[Any]]:
        """The log's visibility and the date range, on ``messages m``, in SQL (each row found is
        checked again with may_see)."""
        viewer = self.viewer
        types = viewer.types or (0,)
        # The search term's index drives the search, not the district's messages.
        district = not_driving(dialect, "m.district_id")
        kind = not_driving(dialect, "m.message_type")
        where = [
            f"{district} = ? AND m.sent_time IS NOT NULL AND m.status <> ?",
            f"{kind} IN ({in_marks(len(types))})",
        ]
        params: list[Any] = [viewer.district_id, _DRAFT, *types]
        if not viewer.all_messages:
            where.append("m.created_by_user_id = ?")
            params.append(viewer.user_id)
        if self.sent_from_us is not None:
            where.append("m.sent_time >= ?")
            params.append(self.sent_from_us)
        if self.sent_before_us is not None:
            where.append("m.sent_time < ?")
            params.append(self.sent_before_us)
        return " AND ".join(where), params

    def _message_column(self) -> str:
        # The message id of the index that drives the search, so it also yields the order.
        return "t.message_id" if self.kind in ("phone", "email") else "r.message_id"

    async def _names(self, db: ReadOnly, dialect: str) -> list[str]:
        """The different folded names starting with the prefix on messages the viewer may
        see (so the limit says nothing of hidden ones), walking the folded-name index."""
        column = folded(dialect, "r.name")
        visible, visible_params = self._visible(dialect)
        names: list[str] = []
        low, op = self.value, ">="
        while len(names) <= MAX_NAMES:
            row = await db.fetch_one(
                f"SELECT {column} FROM recipients r JOIN messages m ON m.id = r.message_id"  # noqa: S608
                f" WHERE {column} {op} ? AND {column} < ? AND {visible}"
                f" ORDER BY {column} LIMIT 1",
                [low, self.value + PREFIX_TOP, *visible_params],
            )
            if row is None or row[0] is None:
                return names
            low, op = str(row[0]), ">"
            names.append(low)
        raise InvalidArgumentError(
            "name", f"more than {MAX_NAMES} different names start with it; type more of the name"
        )

    async def _rows(
        self, db: ReadOnly, dialect: str, after: tuple[int, int] | None, size: int, name: str
    ) -> list[Row]:
        where, params = self._where(dialect, after, name)
        order = self._message_column()
        return await db.fetch_all(
            f"SELECT {_COLUMNS} FROM targets t"  # noqa: S608
            " JOIN recipients r ON r.id = t.recipient_id"
            f" JOIN messages m ON m.id = t.message_id WHERE {where}"
            f" ORDER BY {order} DESC, t.id DESC LIMIT ?",
            [*params, size + 1],
        )

    def _hit(self, r: Row) -> SearchHit:
        full = self.full_devices
        row = DeliveryRow(
            r[3], r[4], r[5], r[6], show_device(r[6], r[7], r[8], full=full),
            r[9], r[10], r[11] if full else mask_detail(r[11]), r[12],
        )  # fmt: skip
        return SearchHit(int(r[0]), str(r[1]), int(r[2]), row)

    async def page(
        self, db: ReadOnly, dialect: str, after: tuple[int, int] | None, size: int
    ) -> tuple[list[SearchHit], tuple[int, int] | None]:
        """Up to ``size`` hits after the keyset position ``after``, and the position to pass
        for the next page (None on the last page)."""
        if self.kind == "name":
            rows = []
            for name in await self._names(db, dialect):
                rows += await self._rows(db, dialect, after, size, name)
            rows.sort(key=lambda r: (int(r[0]), int(r[3])), reverse=True)
            rows = rows[: size + 1]
        else:
            rows = await self._rows(db, dialect, after, size, "")
        scanned = rows[:size]
        hits = [self._hit(r) for r in scanned if may_see(self.viewer.caller, _facts(r))]
        more = len(rows) > size
        last = (int(scanned[-1][0]), int(scanned[-1][3])) if more and scanned else None
        return hits, last


def _facts(r: Row) -> MessageFacts:
    """What the visibility rule looks at, from a search row."""
    return MessageFacts(
        district_id=int(r[13]),
        created_by=str(r[14]),
        message_type=int(r[15]),
        draft=int(r[16]) == _DRAFT or r[2] is None,
    )
