"""What the sending path needs to know about a message and its district, cached in memory.

Messages and districts change rarely once dispatch started (content never), so workers read
them from here instead of the store; UpsertDistrict drops the district's entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from smlog.config import check_time_zone
from smlog.errors import ConfigError
from smlog.services.dispatch.policy import priority_of
from smlog.services.dispatch.window import DialingWindow
from smlog.store import Database

__all__ = ["Catalog", "MessageInfo"]


@dataclass(frozen=True)
class MessageInfo:
    message_id: int
    district_id: int
    message_type: int
    priority: int
    subject: str
    content: dict[str, str]
    window: DialingWindow
    short_code: str


class Catalog:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._messages: dict[int, MessageInfo] = {}
        self._districts: dict[int, tuple[DialingWindow, str]] = {}

    async def message(self, message_id: int) -> MessageInfo:
        info = self._messages.get(message_id)
        if info is not None:
            return info
        row = await self._db.fetch_one(
            "SELECT district_id, message_type, subject, content_json FROM messages WHERE id = ?",
            (message_id,),
        )
        if row is None:
            raise LookupError(f"message {message_id} is not stored")
        district_id = int(row["district_id"])
        window, short_code = await self._district(district_id)
        content = {str(k): str(v) for k, v in json.loads(str(row["content_json"])).items()}
        info = MessageInfo(
            message_id,
            district_id,
            int(row["message_type"]),
            priority_of(int(row["message_type"])),
            str(row["subject"]),
            content,
            window,
            short_code,
        )
        if len(self._messages) > 10_000:
            self._messages.clear()
        self._messages[message_id] = info
        return info

    async def _district(self, district_id: int) -> tuple[DialingWindow, str]:
        cached = self._districts.get(district_id)
        if cached is not None:
            return cached
        row = await self._db.fetch_one(
            "SELECT time_zone, dial_window_start_minute, dial_window_end_minute, sms_short_code"
            " FROM districts WHERE id = ?",
            (district_id,),
        )
        if row is None:
            raise LookupError(f"district {district_id} is not stored")
        try:
            zone = check_time_zone(str(row["time_zone"]))
        except ConfigError:
            zone = check_time_zone("UTC")
        window = DialingWindow(
            zone, int(row["dial_window_start_minute"]), int(row["dial_window_end_minute"])
        )
        entry = (window, str(row["sms_short_code"]))
        self._districts[district_id] = entry
        return entry

    def forget_district(self, district_id: int) -> None:
        self._districts.pop(district_id, None)
        for message_id in [m for m, i in self._messages.items() if i.district_id == district_id]:
            del self._messages[message_id]
