"""ListMessages at scale: the subject search by trigram index or ordered walk, the capped
count, and keyset pages that stay exact while new messages arrive."""

from __future__ import annotations

import pytest
from rich.console import Console

from smlog.cli.log_cmd import print_messages
from smlog.readmodel import listing
from smlog.store import Database
from smlog.v1.log_pb2 import ListMessagesRequest, ListMessagesResponse, MessageSummary
from smlog.v1.log_pb2_grpc import SentMessageLogServiceStub
from tests.support.builders import (
    EMERGENCY,
    GENERAL,
    MINUTE,
    T0,
    add_calendar,
    add_district,
    add_message,
)
from tests.support.log import LogEnv

SUBJECTS = [
    "Café Olé night",
    "CAFÉ menu",
    "Cafe closed",
    'Say "cheese" day',
    "Ab",
    "Snow day: school closed",
    "Late bus",
    "50% off_sale",
    "Reported cards",  # every trigram the index looks up for "report card", but not the text
]


@pytest.fixture(params=["walk", "trigram"])
def search_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """ "walk": the subject page walks the log in order; "trigram": its first row is the whole
    window, so a page with too few matches there comes from the trigram index."""
    if request.param == "trigram":
        monkeypatch.setattr(listing, "SUBJECT_WINDOW", 1)
    return str(request.param)


async def seed(db: Database) -> dict[str, int]:
    await add_district(db, 1)
    await add_district(db, 2)
    found = {}
    for n, subject in enumerate(SUBJECTS):
        found[subject] = await add_message(
            db, district_id=1, subject=subject, sent_time=T0 - n * MINUTE
        )
    await add_message(db, district_id=2, subject="Café Olé night", sent_time=T0)
    await add_message(db, district_id=1, subject="Café draft", sent_time=None, status=6)
    return found


async def search(stub: SentMessageLogServiceStub, subject: str) -> tuple[list[int], int]:
    """Every page of a subject search, one message per page (so each page is counted)."""
    seen: list[int] = []
    totals = set()
    token = ""
    while True:
        reply = await stub.ListMessages(
            ListMessagesRequest(subject=subject, page_size=1, page_token=token)
        )
        seen.extend(m.message_id for m in reply.messages)
        totals.add(reply.total_size)
        assert not reply.total_size_capped
        token = reply.next_page_token
        if not token:
            break
    assert len(totals) == 1
    return seen, totals.pop()


async def test_subject_search_folds_case_keeps_accents(env: LogEnv, search_path: str) -> None:
    m = await seed(env.db)
    stub = env.stub()
    cafe_accented = [m["Café Olé night"], m["CAFÉ menu"]]
    assert await search(stub, "café") == (cafe_accented, 2)
    assert await search(stub, "CAFÉ") == (cafe_accented, 2)
    assert await search(stub, "cafe") == ([m["Cafe closed"]], 1)  # accents as typed
    assert await search(stub, "olé NIGHT") == ([m["Café Olé night"]], 1)
    assert await search(stub, '"cheese"') == ([m['Say "cheese" day']], 1)
    assert await search(stub, "AND OR") == ([], 0)  # query words are text, not syntax
    assert await search(stub, "0% off_") == ([m["50% off_sale"]], 1)
    assert await search(stub, "nothing like it") == ([], 0)
    assert await search(stub, "report card") == ([], 0)
    assert await search(stub, "reported card") == ([m["Reported cards"]], 1)


async def test_short_subjects_still_match(env: LogEnv, search_path: str) -> None:
    m = await seed(env.db)
    stub = env.stub()
    assert await search(stub, "ab") == ([m["Ab"]], 1)
    assert await search(stub, "%") == ([m["50% off_sale"]], 1)
    assert await search(stub, "é") == ([m["Café Olé night"], m["CAFÉ menu"]], 2)
    late = await search(stub, "y")
    assert late == ([m['Say "cheese" day'], m["Snow day: school closed"]], 2)


async def test_search_follows_subject_changes(env: LogEnv, search_path: str) -> None:
    m = await seed(env.db)
    target = m["Late bus"]
    async with env.db.transaction() as tx:
        await tx.execute(
            "UPDATE messages SET subject = ?, subject_folded = ? WHERE id = ?",
            ("Field trip", "field trip", target),
        )
        await tx.execute("DELETE FROM messages WHERE id = ?", (m["CAFÉ menu"],))
    stub = env.stub()
    assert await search(stub, "late bus") == ([], 0)
    assert await search(stub, "field trip") == ([target], 1)
    assert await search(stub, "café") == ([m["Café Olé night"]], 1)


@pytest.mark.parametrize(
    "request_kw",
    [{}, {"subject": "notice"}, {"subject": "no"}, {"message_types": [GENERAL]}, "calendar"],
    ids=["none", "subject", "short-subject", "type", "calendar"],
)
async def test_total_size_is_capped(
    env: LogEnv, monkeypatch: pytest.MonkeyPatch, request_kw: object
) -> None:
    await add_district(env.db, 1)
    calendar = await add_calendar(env.db, 1)
    kw: dict[str, object] = {"calendar_id": calendar} if request_kw == "calendar" else {}
    kw.update(request_kw if isinstance(request_kw, dict) else {})
    for n in range(6):
        await add_message(
            env.db, district_id=1, subject=f"Notice {n}", sent_time=T0 - n, calendars=[calendar]
        )
    await add_district(env.db, 2)
    await add_message(env.db, district_id=2, subject="Notice 0", sent_time=T0, calendars=[calendar])
    stub = env.stub()
    cap = "SUBJECT_TOTAL_SIZE_CAP" if "subject" in kw else "TOTAL_SIZE_CAP"
    monkeypatch.setattr(listing, cap, 6)  # exactly the cap: still exact
    exact = await stub.ListMessages(ListMessagesRequest(page_size=2, **kw))  # type: ignore[arg-type]
    assert (exact.total_size, exact.total_size_capped) == (6, False)
    monkeypatch.setattr(listing, cap, 4)
    first = await stub.ListMessages(ListMessagesRequest(page_size=2, **kw))  # type: ignore[arg-type]
    assert (first.total_size, first.total_size_capped) == (4, True)
    last = await stub.ListMessages(
        ListMessagesRequest(page_size=4, page_token=first.next_page_token, **kw)  # type: ignore[arg-type]
    )
    assert len(last.messages) == 4
    assert (last.total_size, last.total_size_capped) == (4, True)
    # A first page that holds every match is its own count, whatever the cap.
    whole = await stub.ListMessages(ListMessagesRequest(page_size=10, **kw))  # type: ignore[arg-type]
    assert (whole.total_size, whole.total_size_capped) == (6, False)


@pytest.mark.parametrize("subject", ["notice", "no", ""])
async def test_subject_search_counts_to_its_own_cap(
    env: LogEnv, monkeypatch: pytest.MonkeyPatch, search_path: str, subject: str
) -> None:
    """A subject search stops counting at SUBJECT_TOTAL_SIZE_CAP, the other filters at
    TOTAL_SIZE_CAP, by the trigram index (3 characters or more) or the ordered walk."""
    await add_district(env.db, 1)
    for n in range(8):
        await add_message(env.db, district_id=1, subject=f"Notice {n}", sent_time=T0 - n)
    await add_message(env.db, district_id=1, subject="Other", sent_time=T0 + 1)
    monkeypatch.setattr(listing, "SUBJECT_TOTAL_SIZE_CAP", 3)
    monkeypatch.setattr(listing, "TOTAL_SIZE_CAP", 5)
    reply = await env.stub().ListMessages(ListMessagesRequest(page_size=2, subject=subject))
    assert len(reply.messages) == 2
    assert (reply.total_size, reply.total_size_capped) == ((3, True) if subject else (5, True))


@pytest.mark.parametrize("kind", ["none", "subject", "calendar", "types"])
async def test_pages_stay_exact_while_messages_arrive(
    env: LogEnv, search_path: str, kind: str
) -> None:
    await add_district(env.db, 1)
    calendar = await add_calendar(env.db, 1)
    request = ListMessagesRequest(page_size=3)
    if kind == "subject":
        request.subject = "drill"
    elif kind == "calendar":
        request.calendar_id = calendar
    elif kind == "types":
        request.message_types.extend([GENERAL, EMERGENCY])  # type: ignore[arg-type]
    expected = []
    for n in range(20):
        sent = T0 - (n // 4) * MINUTE  # four messages per minute: ties broken by id
        mid = await add_message(
            env.db,
            district_id=1,
            subject=f"Drill {n}",
            sent_time=sent,
            calendars=[calendar],
            message_type=(GENERAL, EMERGENCY)[n % 2],
        )
        expected.append((sent, mid))
    order = [mid for _, mid in sorted(expected, reverse=True)]
    stub = env.stub()
    seen: list[int] = []
    newest = T0
    while True:
        reply = await stub.ListMessages(request)
        seen.extend(m.message_id for m in reply.messages)
        if not reply.next_page_token:
            break
        request.page_token = reply.next_page_token
        # New messages arrive between pages: one sent now, one sent at the same instant as
        # the newest (a tie with a higher id), one created long ago and only sent now.
        newest += MINUTE
        for sent in (newest, newest, newest):
            await add_message(
                env.db,
                district_id=1,
                subject="Drill again",
                sent_time=sent,
                calendars=[calendar],
                message_type=GENERAL,
            )
    assert seen == order


def test_cli_shows_a_capped_total_with_a_plus() -> None:
    def title(size: int, capped: bool) -> str:
        console = Console(record=True, width=200)
        reply = ListMessagesResponse(total_size=size, total_size_capped=capped)
        print_messages(reply, console)
        return console.export_text()

    assert "(10,000+ messages)" in title(10_000, True)
    assert "(9,999 messages)" in title(9_999, False)


def test_cli_marks_a_resend_in_the_log_list() -> None:
    console = Console(record=True, width=200)
    reply = ListMessagesResponse(
        messages=[
            MessageSummary(message_id=8, subject="Snow day", resend_of=5),
            MessageSummary(message_id=5, subject="Snow day"),
        ]
    )
    print_messages(reply, console)
    lines = [line for line in console.export_text().splitlines() if "Snow day" in line]
    assert "Snow day (resend of #5)" in lines[0]
    assert "resend of" not in lines[1]


async def test_calendar_follows_dispatch_start_and_type(env: LogEnv) -> None:
    await add_district(env.db, 1)
    calendar = await add_calendar(env.db, 1)
    sent = await add_message(env.db, district_id=1, sent_time=T0 - MINUTE, calendars=[calendar])
    draft = await add_message(env.db, district_id=1, sent_time=None, status=6, calendars=[calendar])
    stub = env.stub()
    request = ListMessagesRequest(calendar_id=calendar)
    assert [m.message_id for m in (await stub.ListMessages(request)).messages] == [sent]
    async with env.db.transaction() as tx:  # dispatch starts the draft, later than the other
        await tx.execute(
            "UPDATE messages SET status = 1, sent_time = ?, message_type = ? WHERE id = ?",
            (T0, EMERGENCY, draft),
        )
    reply = await stub.ListMessages(request)
    assert [m.message_id for m in reply.messages] == [draft, sent]
    assert reply.total_size == 2
    only = ListMessagesRequest(calendar_id=calendar, message_types=[EMERGENCY], page_size=1)
    emergency = await stub.ListMessages(only)
    assert [m.message_id for m in emergency.messages] == [draft]
    assert emergency.total_size == 1
