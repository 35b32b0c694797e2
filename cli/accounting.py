"""What the simulators say they did, set against what the store says we did.

- ``duplicates``: sends the simulators accepted beyond the attempts that reached them
  (attempts with a vendor reference): 0 means nothing was sent twice.
- ``lost``: devices without a final status, plus attempts that ended without a vendor status
  (No Call Status / No Status) beyond those the simulators never called back about (their
  ``silent`` outcomes and the callbacks a ``drop`` fault threw away): 0 means nothing lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

from smlog.config import Settings
from smlog.store import Database
from smlog.store.opening import reading
from smlog.v1 import common_pb2

M = common_pb2
NO_STATUS = (M.DEVICE_STATUS_NO_CALL_STATUS, M.DEVICE_STATUS_NO_STATUS)


async def sim_stats(url: str) -> dict[str, Any]:
    """A simulator's ``/admin/stats``."""
    async with aiohttp.ClientSession() as session, session.get(f"{url}/admin/stats") as resp:
        resp.raise_for_status()
        stats: dict[str, Any] = await resp.json()
        return stats


async def set_faults(url: str, faults: dict[str, float | int]) -> dict[str, Any]:
    """Replace a simulator's faults at runtime (fields not given are off)."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/admin/faults", json=faults) as resp,
    ):
        resp.raise_for_status()
        body: dict[str, Any] = await resp.json()
        return body


def silent(stats: dict[str, Any]) -> int:
    """Sends a simulator planned never to call back about."""
    outcomes: dict[str, dict[str, int]] = stats.get("outcomes", {})
    return sum(counts.get("silent", 0) for counts in outcomes.values())


@dataclass(frozen=True)
class Account:
    accepted: int  # sends the simulators accepted: calls, texts, email recipients
    sent: int  # attempts (not inbox) that reached a vendor: vendor reference stored
    no_status: int  # attempts that ended No Call Status or No Status
    silent: int  # Voxology sends planned never to call back
    dropped: int  # Voxology callbacks a drop fault threw away
    open_targets: int  # devices without a final status

    @property
    def duplicates(self) -> int:
        return max(0, self.accepted - self.sent)

    @property
    def lost(self) -> int:
        return self.open_targets + max(0, self.no_status - self.silent - self.dropped)


async def _count(db: Database, sql: str, params: tuple[Any, ...] = ()) -> int:
    row = await db.fetch_one(sql, params)
    return int(row[0]) if row is not None else 0


async def account(settings: Settings, voxology: dict[str, Any], mailgun: dict[str, Any]) -> Account:
    """Every campaign in the (private) store against both simulators' stats."""
    async with reading(settings.store_url()) as db:
        sent = await _count(
            db,
            "SELECT count(*) FROM attempts WHERE mode != ? AND vendor_reference IS NOT NULL",
            (M.DELIVERY_MODE_INBOX,),
        )
        no_status = await _count(
            db, "SELECT count(*) FROM attempts WHERE status IN (?, ?)", NO_STATUS
        )
        open_targets = await _count(db, "SELECT count(*) FROM targets WHERE is_final = 0")
    return Account(
        accepted=sum(voxology["accepted"].values()) + sum(mailgun["accepted"].values()),
        sent=sent,
        no_status=no_status,
        silent=silent(voxology),
        dropped=int(voxology.get("callbacks", {}).get("dropped", 0)),
        open_targets=open_targets,
    )
