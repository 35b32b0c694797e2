"""kill -9 the real dispatch process mid-campaign, with the real status service and
simulators: the restarted process finishes the campaign and no call is placed twice."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from smlog.cli.accounting import sim_stats
from smlog.cli.stackrun import private_settings
from smlog.config import Settings
from smlog.runtime import open_channel
from smlog.store.opening import reading
from smlog.v1 import common_pb2 as c
from smlog.v1 import dispatch_pb2 as d
from smlog.v1 import dispatch_pb2_grpc
from tests.dispatch.people import M, email, person, phone
from tests.support.processes import running_stack
from tests.support.rights import ALL_RIGHTS
from tests.support.tokens import user_token
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
N = 400


def _config(tmp_path: Path, db_url: str) -> tuple[Settings, list[str]]:
    return private_settings(
        tmp_path,
        {
            **({"db_url": db_url} if db_url else {}),
            "grace_seconds": "1", "sim_profile": "perfect", "voxology_concurrency": "16",
            "dispatch_claim_batch": "40", "voice_status_deadline_seconds": "900",
            "text_status_deadline_seconds": "900", "email_status_deadline_seconds": "900",
        },
    )  # fmt: skip


async def test_kill_9_mid_campaign(tmp_path: Path, settings: Settings) -> None:
    settings, args = _config(tmp_path, settings.db_url)  # the stack's, on the pass's store
    names = ["voxology-sim", "mailgun-sim", "status", "dispatch"]
    token = user_token(settings, "u1", 1, ALL_RIGHTS)
    async with (
        running_stack(settings, args, names, quiet=True) as stack,
        reading(settings.store_url()) as db,
    ):
        async with open_channel(settings.target("dispatch"), token=token) as channel:
            stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
            await stub.UpsertDistrict(
                d.UpsertDistrictRequest(
                    district=c.District(
                        district_id=1, name="D", time_zone="UTC",
                        dialing_window=c.DialingWindow(start_minute=0, end_minute=1440),
                    )
                )
            )  # fmt: skip
            draft = d.MessageDraft(
                message_type=c.MessageType.MESSAGE_TYPE_EMERGENCY, subject="Closure",
                delivery_modes=[M.DELIVERY_MODE_VOICE, M.DELIVERY_MODE_EMAIL],
                content=c.MessageContent(voice_script="Closed", email_body="Closed"),
            )  # fmt: skip
            created = await stub.CreateMessage(
                d.CreateMessageRequest(request_id="k", message=draft)
            )
            people = [
                person(f"p{i}", phone(f"+1555558{i:04d}", modes=(M.DELIVERY_MODE_VOICE,)),
                       email(f"p{i}@example.org"))
                for i in range(N)
            ]  # fmt: skip

            async def stream() -> Any:
                yield d.AddRecipientsRequest(message_id=created.message_id, recipients=people)

            await stub.AddRecipients(stream())
            await stub.StartDispatch(d.StartDispatchRequest(message_id=created.message_id))

        async def some() -> bool:
            row = await db.fetch_one("SELECT COUNT(*) FROM attempts WHERE mode = 3")
            return row is not None and int(row[0]) >= 60

        await wait_for(some, 30)
        stack.kill("dispatch")
        await stack.procs["dispatch"].wait()
        killed_at = time.monotonic()
        row = await db.fetch_one("SELECT COUNT(*) FROM attempts WHERE mode = 3")
        assert row is not None
        assert int(row[0]) < N, "the campaign finished before the kill"
        await stack.restart("dispatch")

        async def finished() -> bool:
            row = await db.fetch_one("SELECT status FROM messages WHERE id = ?",
                                     (created.message_id,))  # fmt: skip
            return row is not None and int(row[0]) == c.MessageStatus.MESSAGE_STATUS_SENT

        await wait_for(finished, 60)
        assert time.monotonic() > killed_at
        stats = await db.fetch_all(
            "SELECT mode, total_devices, total_attempts, total_successful"
            " FROM message_mode_stats ORDER BY mode"
        )
        assert [tuple(r) for r in stats] == [(2, N, N, N), (3, N, N, N)]
        voxology = await sim_stats(settings.voxology_url)
        assert voxology["accepted"] == {"call": N}
        mailgun = await sim_stats(settings.mailgun_url)
        assert sum(mailgun["accepted"].values()) == N
