"""Fault-test helpers: the real dispatch, status and simulator processes on a temp store
(``smlog.cli.stackrun``), campaigns sent to them, and the store's books set against what the
simulators say they did."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from smlog.cli.accounting import Account, account, sim_stats
from smlog.cli.campaigns import send_campaign
from smlog.cli.stackrun import draft, private_settings, sender_token, upsert_district
from smlog.cli.up import Stack
from smlog.runtime import open_channel
from smlog.store import Database
from smlog.store.opening import reading
from smlog.v1 import common_pb2 as c
from smlog.v1 import dispatch_pb2, dispatch_pb2_grpc
from tests.pgserver import store_url_for_test
from tests.support.processes import running_stack
from tests.support.waiting import wait_for

S = c.DeviceStatus
PROCESSES = ("voxology-sim", "mailgun-sim", "status", "dispatch")
FINAL_MESSAGE = (c.MESSAGE_STATUS_SENT, c.MESSAGE_STATUS_ERRORED, c.MESSAGE_STATUS_CANCELED)
# A simulator outcome and the attempt statuses it becomes.
CALL_OUTCOMES: dict[str, tuple[int, ...]] = {
    "completed": (S.DEVICE_STATUS_COMPLETED, S.DEVICE_STATUS_NOT_CONFIRMED),
    "busy": (S.DEVICE_STATUS_BUSY,),
    "no-answer": (S.DEVICE_STATUS_NO_ANSWER,),
    "failed": (S.DEVICE_STATUS_FAILED,),
    "silent": (S.DEVICE_STATUS_NO_CALL_STATUS,),
}
SMS_OUTCOMES: dict[str, tuple[int, ...]] = {
    "delivered": (S.DEVICE_STATUS_DELIVERED,),
    "undelivered": (S.DEVICE_STATUS_UNDELIVERED,),
    "failed": (S.DEVICE_STATUS_FAILED,),
    "silent": (S.DEVICE_STATUS_NO_CALL_STATUS,),
}
GROUPS = (c.STATUS_GROUP_SUCCESSFUL, c.STATUS_GROUP_ERROR, c.STATUS_GROUP_CANCELED)
FAST = {
    "grace_seconds": "1",
    "sim_seed": "7",
    "vendor_backoff_initial_seconds": "0.01",
    "vendor_backoff_max_seconds": "0.1",
    "dispatch_deadline_sweep_seconds": "0.2",
    "dispatch_outcome_poll_seconds": "0.2",
    "voice_status_deadline_seconds": "6",
    "text_status_deadline_seconds": "6",
}


@dataclass
class Run:
    stack: Stack
    db: Database

    @property
    def settings(self) -> Any:
        return self.stack.settings

    async def send(
        self, recipients: Sequence[dispatch_pb2.Recipient], modes: Sequence[int], start: bool = True
    ) -> int:
        settings = self.settings
        token = sender_token(settings)
        async with open_channel(settings.target("dispatch"), token=token, timeout=60) as channel:
            stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
            await upsert_district(stub, settings)
            return await send_campaign(stub, "fault", draft(modes=modes), recipients, start=start)

    async def start(self, message_id: int) -> None:
        token = sender_token(self.settings)
        async with open_channel(self.settings.target("dispatch"), token=token) as channel:
            stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
            await stub.StartDispatch(dispatch_pb2.StartDispatchRequest(message_id=message_id))

    async def count(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        row = await self.db.fetch_one(sql, params)
        return int(row[0]) if row is not None and row[0] is not None else 0

    async def finished(self, message_id: int, timeout: float = 60) -> None:
        async def done() -> bool:
            row = await self.db.fetch_one("SELECT status FROM messages WHERE id = ?", (message_id,))
            return row is not None and int(row[0]) in FINAL_MESSAGE

        await wait_for(done, timeout)

    async def attempt_statuses(self, mode: int) -> Counter[int]:
        """Statuses of the attempts of ``mode`` that reached the vendor."""
        rows = await self.db.fetch_all(
            "SELECT status, count(*) FROM attempts WHERE mode = ?"
            " AND vendor_reference IS NOT NULL GROUP BY status",
            (mode,),
        )
        return Counter({int(r[0]): int(r[1]) for r in rows})

    async def sim(self, vendor: str) -> dict[str, Any]:
        return await sim_stats(self._url(vendor))

    async def faults(self, vendor: str, spec: dict[str, float] | None = None) -> dict[str, Any]:
        """Read (``spec`` None) or replace a simulator's faults."""
        url = f"{self._url(vendor)}/admin/faults"
        async with aiohttp.ClientSession() as http:
            request = http.get(url) if spec is None else http.post(url, json=spec)
            async with request as response:
                response.raise_for_status()
                body: dict[str, Any] = await response.json()
        return body

    async def books(self) -> Account:
        return await account(self.settings, await self.sim("voxology"), await self.sim("mailgun"))

    def _url(self, vendor: str) -> str:
        url: str = self.settings.voxology_url if vendor == "voxology" else self.settings.mailgun_url
        return url


@asynccontextmanager
async def fault_stack(tmp_path: Path, **overrides: str) -> AsyncIterator[Run]:
    async with store_url_for_test(tmp_path) as url:
        store = {"db_url": url} if url else {}
        settings, args = private_settings(tmp_path, {**FAST, **store, **overrides})
        logs = tmp_path / "logs"
        async with (
            running_stack(settings, args, PROCESSES, log_dir=logs) as stack,
            reading(settings.store_url()) as db,
        ):
            yield Run(stack, db)


def by_outcome(statuses: Counter[int], outcomes: Mapping[str, tuple[int, ...]]) -> dict[str, int]:
    """Attempt statuses folded into the simulator's outcome names (zeros left out)."""
    folded = {name: sum(statuses[s] for s in group) for name, group in outcomes.items()}
    return {name: n for name, n in folded.items() if n}


async def counters_match_rows(run: Run, message_id: int) -> None:
    """Every per-mode counter equals what the target and attempt rows say: nothing counted
    twice, nothing missed."""
    stats = await run.db.fetch_all(
        "SELECT mode, total_devices, total_attempts, total_successful, total_error,"
        " total_canceled FROM message_mode_stats WHERE message_id = ? ORDER BY mode",
        (message_id,),
    )
    for stat in stats:
        mode = int(stat[0])
        counters = [int(stat[i]) for i in range(1, 6)]  # devices, attempts, successful, ...
        where = "message_id = ? AND mode = ?"
        rows = [
            await run.count(f"SELECT count(*) FROM targets WHERE {where}", (message_id, mode)),
            await run.count(f"SELECT count(*) FROM attempts WHERE {where}", (message_id, mode)),
        ]
        for group in GROUPS:
            rows.append(
                await run.count(
                    f"SELECT count(*) FROM targets WHERE {where} AND is_final = 1"
                    " AND status_group = ?",
                    (message_id, mode, group),
                )
            )
        assert counters == rows, f"mode {mode}"


async def no_status_applied_twice(run: Run) -> None:
    """No voice or text attempt holds the same status event twice in its history."""
    twice = await run.db.fetch_all(
        "SELECT e.attempt_id, e.status, count(*) FROM attempt_events e"
        " JOIN attempts a ON a.id = e.attempt_id WHERE a.mode IN (?, ?)"
        " GROUP BY e.attempt_id, e.status HAVING count(*) > 1",
        (c.DELIVERY_MODE_VOICE, c.DELIVERY_MODE_TEXT),
    )
    assert [(int(r[0]), int(r[1])) for r in twice] == []


async def sims_agree(run: Run, message_id: int) -> None:
    """Per mode, the store's attempts match the simulators' accepted sends and outcomes."""
    voxology, mailgun = await run.sim("voxology"), await run.sim("mailgun")
    calls, texts = (
        await run.attempt_statuses(c.DELIVERY_MODE_VOICE),
        await run.attempt_statuses(c.DELIVERY_MODE_TEXT),
    )
    assert voxology["accepted"].get("call", 0) == sum(calls.values())
    assert voxology["accepted"].get("sms", 0) == sum(texts.values())
    assert by_outcome(calls, CALL_OUTCOMES) == {
        k: n for k, n in voxology["outcomes"].get("call", {}).items() if n
    }
    assert by_outcome(texts, SMS_OUTCOMES) == {
        k: n for k, n in voxology["outcomes"].get("sms", {}).items() if n
    }
    emails = await run.attempt_statuses(c.DELIVERY_MODE_EMAIL)
    assert (
        mailgun["accepted"].get("email", 0) == emails[S.DEVICE_STATUS_SENT] == sum(emails.values())
    )
    await counters_match_rows(run, message_id)
    books = await run.books()
    assert (books.duplicates, books.lost) == (0, 0), books
