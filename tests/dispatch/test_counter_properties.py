"""The counters add up, over random campaigns, on dispatch's own code path.

Each example runs a campaign through the real store operations in the order the services
run them, interleaved at random: StartDispatch (suppressions: extensions, numbers that
replied STOP before the start), the scheduler's claim (and STOPs arriving after the start),
vendor answers through the result writer (accepted, 4xx, 5xx), vendor callbacks through the
status service's applier (in any order, before or after the answer, duplicated), the outcome
drain, redials, status deadlines (and vendor statuses arriving after them, which replace the
deadline's) and a cancel. After every step, per mode:

- successful + error + canceled + pending = total devices, pending being the targets not
  final yet (recounted from the rows, not derived from the counters);
- the counters equal the targets' final groups recounted from the rows;
- total attempts = attempts stored + suppressed contacts, and successful + error <= attempts.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smlog.auth import Caller, Right
from smlog.services.dispatch.accept import add_recipients, create_message
from smlog.services.dispatch.attempt_state import AttemptState
from smlog.services.dispatch.cancel import cancel_message
from smlog.services.dispatch.catalog import Catalog
from smlog.services.dispatch.claim import claim_due
from smlog.services.dispatch.deadlines import expire_deadlines
from smlog.services.dispatch.policy import EMAIL, INBOX, MODES, TEXT, VOICE, DispatchPolicy
from smlog.services.dispatch.pools import EmailJob, Job, PhoneJob
from smlog.services.dispatch.record import Answer, ResultWriter
from smlog.services.dispatch.settle import drain_outcomes
from smlog.services.dispatch.start import start_dispatch
from smlog.services.status.applier import apply_events
from smlog.services.status.events import StatusEvent
from smlog.store import Database, SqliteDatabase, migrate
from smlog.v1 import common_pb2 as c
from smlog.v1 import dispatch_pb2 as d
from tests.dispatch.people import PHONE, email, inbox, person, phone
from tests.support.dispatch import store_district

S = c.DeviceStatus
G = c.StatusGroup
SUPPRESSED = (S.DEVICE_STATUS_NOT_ELIGIBLE, S.DEVICE_STATUS_OPT_OUT)
CALL_ENDS = [
    S.DEVICE_STATUS_COMPLETED,
    S.DEVICE_STATUS_NOT_CONFIRMED,
    S.DEVICE_STATUS_BUSY,
    S.DEVICE_STATUS_NO_ANSWER,
    S.DEVICE_STATUS_FAILED,
]
TEXT_ENDS = [S.DEVICE_STATUS_DELIVERED, S.DEVICE_STATUS_UNDELIVERED]
NUMBERS = [f"+1555555{n:04d}" for n in range(300, 306)]
SECOND = 1_000_000
POLICY = DispatchPolicy(
    redial_max_attempts=3,
    redial_wait_us=5 * SECOND,
    deadline_us={INBOX: 60 * SECOND, EMAIL: 60 * SECOND, VOICE: 60 * SECOND, TEXT: 60 * SECOND},
)
CALLER = Caller(user_id="u1", district_id=1, rights=frozenset(Right))

_device = st.one_of(
    st.builds(
        lambda n, x: phone(NUMBERS[n], extension=x),
        st.integers(0, 5),
        st.sampled_from(["", "", "12"]),
    ),
    st.builds(lambda n: email(f"p{n}@example.org"), st.integers(0, 3)),
    st.builds(lambda n: inbox(f"acct{n}"), st.integers(0, 3)),
)  # fmt: skip


async def _check(db: Database, message_id: int) -> None:
    stats = await db.fetch_all(
        "SELECT mode, total_devices, total_attempts, total_successful, total_error,"
        " total_canceled FROM message_mode_stats WHERE message_id = ?",
        (message_id,),
    )
    for mode, devices, attempts, ok, error, canceled in (tuple(map(int, r)) for r in stats):
        rows = await db.fetch_all(
            "SELECT status_group, is_final, status, attempt_count FROM targets"
            " WHERE message_id = ? AND mode = ? AND status != ?",
            (message_id, mode, S.DEVICE_STATUS_NO_DEVICE),
        )
        pending = sum(1 for r in rows if not r[1])
        final_groups = [int(r[0]) for r in rows if r[1]]
        assert ok + error + canceled + pending == devices == len(rows), mode
        assert (ok, error, canceled) == (
            final_groups.count(G.STATUS_GROUP_SUCCESSFUL),
            final_groups.count(G.STATUS_GROUP_ERROR),
            final_groups.count(G.STATUS_GROUP_CANCELED),
        ), mode
        stored = await db.fetch_one(
            "SELECT COUNT(*) FROM attempts WHERE message_id = ? AND mode = ?", (message_id, mode)
        )
        suppressed = sum(1 for r in rows if int(r[2]) in SUPPRESSED)
        assert stored is not None
        assert attempts == int(stored[0]) + suppressed == sum(int(r[3]) for r in rows), mode
        assert ok + error <= attempts, mode


class Campaign:
    """The outside world of one campaign: vendors answering and calling back."""

    def __init__(self, db: Database, data: st.DataObject) -> None:
        self.db = db
        self.data = data
        self.now = 1_800_000_000 * SECOND
        self.catalog = Catalog(db)
        self.jobs: list[Job] = []  # claimed, not answered yet
        self.accepted: list[int] = []  # phone attempts the vendor accepted, no callback yet
        self.attempts = AttemptState()  # attempts whose vendor answer is not written
        self.events = 0
        self.numbers: list[str] = []  # the campaign's phone numbers
        self.writer = ResultWriter(
            db,
            POLICY,
            attempts=self.attempts,
            retrying=set(),
            after=lambda settled: None,
            flush_rows=10_000,
            flush_seconds=60,
        )

    async def claim(self) -> None:
        want = self.data.draw(st.integers(1, 4), "claim size")
        claim = await claim_due(
            self.db, self.catalog, POLICY, self.now, dict.fromkeys(MODES, want), 3
        )
        for job in claim.jobs:
            self.jobs.append(job)
            self.attempts.queued(job.attempt_ids)

    async def answer(self) -> None:
        job = self.jobs.pop(self.data.draw(st.integers(0, len(self.jobs) - 1), "job"))
        kind = self.data.draw(st.sampled_from(["ok", "ok", "ok", "4xx", "5xx"]), "answer")
        final: int | None = None
        if kind == "4xx":
            final = S.DEVICE_STATUS_ERROR
        elif kind == "5xx":
            final = S.DEVICE_STATUS_VENDOR_ERROR
        elif isinstance(job, EmailJob):
            final = S.DEVICE_STATUS_SENT
        reference = f"ref-{job.attempt_ids[0]}" if kind == "ok" else None
        batch_key = job.idempotency_key if isinstance(job, EmailJob) else None
        self.writer.add(Answer(job.attempt_ids, self.now, reference, final, batch_key=batch_key))
        await self.writer.flush()
        if isinstance(job, PhoneJob) and kind == "ok":
            self.accepted.append(job.attempt_id)

    async def callback(self, early: PhoneJob | None = None) -> None:
        """The vendor's final status for an accepted call or text (or, ``early``, one whose
        answer the dispatch writer has not recorded yet: the callback overtook it)."""
        if early is None:
            attempt_id = self.accepted.pop(self.data.draw(st.integers(0, len(self.accepted) - 1)))
            mode = await self.db.fetch_one("SELECT mode FROM attempts WHERE id = ?", (attempt_id,))
            assert mode is not None
            mode_of = int(mode[0])
        else:
            attempt_id, mode_of = early.attempt_id, early.mode
        ends = CALL_ENDS if mode_of == VOICE else TEXT_ENDS
        status = self.data.draw(st.sampled_from(ends), "vendor status")
        copies = self.data.draw(st.integers(1, 2), "duplicates")
        self.events += 1
        event = StatusEvent(f"e{self.events}", attempt_id, status, self.now, "x", "", "test")
        for _ in range(copies):
            async with self.db.transaction() as tx:
                await apply_events(tx, [event], self.now)

    async def late(self) -> None:
        """A vendor status for an attempt a status deadline closed: it replaces the deadline's
        (dispatch revises the target and moves the counters on its next drain)."""
        rows = await self.db.fetch_all(
            "SELECT id, mode FROM attempts WHERE provisional = 1 AND mode IN (?, ?) ORDER BY id",
            (VOICE, TEXT),
        )
        if not rows:
            return
        attempt_id, mode_of = self.data.draw(st.sampled_from([(r[0], r[1]) for r in rows]))
        ends = CALL_ENDS if mode_of == VOICE else TEXT_ENDS
        status = self.data.draw(st.sampled_from(ends), "late vendor status")
        self.events += 1
        event = StatusEvent(f"e{self.events}", attempt_id, status, self.now, "x", "", "test")
        async with self.db.transaction() as tx:
            await apply_events(tx, [event], self.now)
        if attempt_id in self.accepted:
            self.accepted.remove(attempt_id)

    async def drain(self) -> None:
        # As the engine does: outcomes of attempts whose answer is not written wait.
        await drain_outcomes(self.db, POLICY, 1000, set(self.attempts.unrecorded))

    async def step(self, message_id: int) -> None:
        choices = ["claim", "time"]
        if self.jobs:
            choices += ["answer", "answer"]
            if any(isinstance(j, PhoneJob) for j in self.jobs):
                choices.append("early")
        if self.accepted:
            choices += ["callback", "callback"]
        choices += ["drain", "deadline", "late", "stop", "stop"]
        if self.data.draw(st.integers(0, 9), "cancel now?") == 0:
            choices = ["cancel"]
        action = self.data.draw(st.sampled_from(choices), "action")
        if action == "claim":
            await self.claim()
        elif action == "time":
            self.now += self.data.draw(st.integers(1, 10)) * SECOND
        elif action == "answer":
            await self.answer()
        elif action == "early":
            phones = [j for j in self.jobs if isinstance(j, PhoneJob)]
            await self.callback(early=self.data.draw(st.sampled_from(phones), "early job"))
        elif action == "callback":
            await self.callback()
        elif action == "drain":
            await self.drain()
        elif action == "deadline":
            if self.data.draw(st.booleans(), "past the status deadline?"):
                self.now += 61 * SECOND  # so that late vendor statuses happen
            await expire_deadlines(self.db, POLICY, self.now, 1000)
        elif action == "late":
            await self.late()
        elif action == "cancel":
            await self._cancel(message_id)
        else:
            await self.stop_text()

    async def _cancel(self, message_id: int) -> None:
        status = await self.db.fetch_one("SELECT status FROM messages WHERE id = ?", (message_id,))
        assert status is not None
        if int(status[0]) != c.MessageStatus.MESSAGE_STATUS_IN_PROGRESS:
            return
        # Some jobs are being sent at this moment: those go on. The others are dropped when
        # the cancel closed their attempts (a second cancel closes nothing: they go on too).
        sending = self.data.draw(
            st.sets(st.sampled_from(range(len(self.jobs))) if self.jobs else st.nothing())
        )
        in_flight = {a for i in sending for a in self.jobs[i].attempt_ids}
        await cancel_message(self.db, message_id, POLICY, self.now, in_flight=in_flight)
        kept = []
        for job in self.jobs:
            marks = ",".join("?" * len(job.attempt_ids))
            open_rows = await self.db.fetch_all(
                f"SELECT id FROM attempts WHERE is_final = 0 AND id IN ({marks})",
                job.attempt_ids,
            )
            if open_rows:
                kept.append(job)
            else:
                self.attempts.settled(job.attempt_ids)
        self.jobs = kept

    async def stop_text(self, number: str = "") -> None:
        """A number replies STOP (after the start: closed at claim time)."""
        number = number or self.data.draw(st.sampled_from(self.numbers or NUMBERS), "stop")
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO sms_opt_outs (phone, short_code, opted_out, update_time)"
                " VALUES (?, '', 1, ?) ON CONFLICT DO NOTHING",
                (number, self.now),
            )

    async def finish(self, message_id: int) -> None:
        """Everything answers, every callback arrives, time passes: the campaign ends."""
        for _ in range(200):
            row = await self.db.fetch_one("SELECT status FROM messages WHERE id = ?", (message_id,))
            assert row is not None
            if int(row[0]) != c.MessageStatus.MESSAGE_STATUS_IN_PROGRESS:
                return
            await self.claim()
            while self.jobs:
                await self.answer()
            if self.accepted and self.data.draw(st.booleans(), "callbacks after the deadline?"):
                self.now += 61 * SECOND
                await expire_deadlines(self.db, POLICY, self.now, 1000)
                await _check(self.db, message_id)
            while self.accepted:
                await self.callback()
            await self.drain()
            self.now += 61 * SECOND
            await expire_deadlines(self.db, POLICY, self.now, 1000)
            await _check(self.db, message_id)
        raise AssertionError("the campaign did not finish")


async def _run(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = await SqliteDatabase.open(str(Path(tmp) / "p.db"))
        try:
            await migrate(db)
            campaign = Campaign(db, data)
            await store_district(db, CALLER)
            people = data.draw(st.lists(st.lists(_device, max_size=4), min_size=1, max_size=6))
            modes = data.draw(st.lists(st.sampled_from(MODES), min_size=1, max_size=4, unique=True))
            for number in data.draw(st.sets(st.sampled_from(NUMBERS), max_size=2)):
                await campaign.stop_text(number)  # before the start: suppressed at once
            draft = d.MessageDraft(
                message_type=c.MessageType.MESSAGE_TYPE_GENERAL,
                subject="s",
                delivery_modes=modes,  # type: ignore[arg-type]
                content=c.MessageContent(
                    inbox_body="b", email_body="b", voice_script="b", text_body="b"
                ),
            )
            message_id, _, _ = await create_message(db, CALLER, "r", draft, campaign.now)
            recipients = [person(f"p{i}", *devices) for i, devices in enumerate(people)]
            campaign.numbers = sorted(
                {x.address for p in people for x in p if x.device_type == PHONE}
            )
            await add_recipients(db, message_id, recipients)
            await start_dispatch(db, message_id, campaign.now)
            await _check(db, message_id)
            for _ in range(data.draw(st.integers(0, 40), "steps")):
                await campaign.step(message_id)
                await _check(db, message_id)
            await campaign.finish(message_id)
            await _check(db, message_id)
        finally:
            await db.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_counters_add_up_on_random_campaigns(data: st.DataObject) -> None:
    asyncio.run(_run(data))


async def _run_late(data: st.DataObject) -> None:
    """Every call and text goes silent until its status deadline closes it; then the vendor's
    answers arrive for some of them, in any order, duplicated, with drains in between."""
    with tempfile.TemporaryDirectory() as tmp:
        db = await SqliteDatabase.open(str(Path(tmp) / "p.db"))
        try:
            await migrate(db)
            campaign = Campaign(db, data)
            await store_district(db, CALLER)
            people = data.draw(st.lists(st.lists(_device, max_size=3), min_size=1, max_size=5))
            draft = d.MessageDraft(
                message_type=c.MessageType.MESSAGE_TYPE_GENERAL,
                subject="s",
                delivery_modes=[VOICE, TEXT, EMAIL],
                content=c.MessageContent(email_body="b", voice_script="b", text_body="b"),
            )
            message_id, _, _ = await create_message(db, CALLER, "r", draft, campaign.now)
            await add_recipients(
                db, message_id, [person(f"p{i}", *ds) for i, ds in enumerate(people)]
            )
            await start_dispatch(db, message_id, campaign.now)
            for _ in range(5):
                await campaign.claim()
            while campaign.jobs:
                await campaign.answer()
            campaign.now += 61 * SECOND
            await expire_deadlines(db, POLICY, campaign.now, 1000)
            await campaign.drain()
            await _check(db, message_id)
            for _ in range(data.draw(st.integers(0, 12), "late answers")):
                action = data.draw(st.sampled_from(["late", "late", "drain"]))
                await (campaign.late() if action == "late" else campaign.drain())
                await _check(db, message_id)
            await campaign.drain()
            await _check(db, message_id)
            await _check_message_status(db, message_id)
        finally:
            await db.close()


async def _check_message_status(db: Database, message_id: int) -> None:
    """A finished message's status is what its devices' final groups say."""
    row = await db.fetch_one(
        "SELECT m.status, m.end_time, (SELECT COUNT(*) FROM targets t WHERE t.message_id = m.id"
        " AND t.address <> '') AS devices, (SELECT COUNT(*) FROM targets t WHERE"
        " t.message_id = m.id AND t.address <> '' AND t.status_group = ?) AS errors,"
        " (SELECT MAX(status_time) FROM targets t WHERE t.message_id = m.id) AS latest,"
        " m.sent_time FROM messages m WHERE m.id = ?",
        (c.StatusGroup.STATUS_GROUP_ERROR, message_id),
    )
    assert row is not None
    if int(row[0]) == c.MessageStatus.MESSAGE_STATUS_IN_PROGRESS:
        return
    errored = int(row[2]) > 0 and int(row[3]) == int(row[2])
    expected = (
        c.MessageStatus.MESSAGE_STATUS_ERRORED if errored else c.MessageStatus.MESSAGE_STATUS_SENT
    )
    assert int(row[0]) == expected
    assert int(row[1]) == max(int(row[5]), int(row[4]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_counters_add_up_when_vendor_statuses_come_after_the_deadline(data: st.DataObject) -> None:
    asyncio.run(_run_late(data))
