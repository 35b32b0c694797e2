"""The Mailgun simulator over HTTP: sends, magic addresses, webhooks, retries, events API."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import time
from typing import Any

import aiohttp
import pytest

from smlog.signing import SignatureError, verify_mailgun
from smlog.simulators.mailgun import MailgunSettings, serve
from smlog.simulators.mailgun.app import RETRY_SCHEDULE_S

from .conftest import Receiver, Sim, VoxFactory


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"api:{key}".encode()).decode()}


AUTH = basic("mailgun-dev-key")
SIGNING_KEY = "mailgun-dev-signing-key"
DOMAIN = "mg.smlog.test"


def form(to: list[str], **extra: str) -> aiohttp.FormData:
    data = aiohttp.FormData()
    data.add_field("from", "District <noreply@district.example.org>")
    for address in to:
        data.add_field("to", address)
    data.add_field("subject", "School closed")
    data.add_field("text", "School is closed today.")
    variables = {address: {"attempt_id": index} for index, address in enumerate(to, start=1)}
    extra.setdefault("recipient-variables", json.dumps(variables))
    data.add_field("v:attempt_id", "%recipient.attempt_id%")
    for name, value in extra.items():
        data.add_field(name, value)
    return data


async def send(
    sim: Sim, data: aiohttp.FormData, *, auth: dict[str, str] = AUTH, domain: str = DOMAIN
) -> tuple[int, dict[str, Any], aiohttp.typedefs.LooseHeaders]:
    url = f"{sim.url}/v3/{domain}/messages"
    async with sim.http.post(url, data=data, headers=auth) as response:
        return response.status, await response.json(), dict(response.headers)


def events_of(receiver: Receiver, recipient: str) -> list[dict[str, Any]]:
    return [
        p.data["event-data"]
        for p in receiver.posts
        if p.data["event-data"]["recipient"] == recipient
    ]


EXPECTED = {
    "delivered@simulator.smlog.test": ["accepted", "delivered"],
    "opened@simulator.smlog.test": ["accepted", "delivered", "opened"],
    "clicked+7@simulator.smlog.test": ["accepted", "delivered", "opened", "clicked"],
    "complained@simulator.smlog.test": ["accepted", "delivered", "complained"],
    "bounced@simulator.smlog.test": ["accepted", "failed"],
    "suppressed@simulator.smlog.test": ["accepted", "failed"],
    "tempfail@simulator.smlog.test": ["accepted", "failed", "delivered"],
    "silent@simulator.smlog.test": [],
}


async def test_magic_addresses_in_one_batch(start_mailgun: VoxFactory, receiver: Receiver) -> None:
    sim = await start_mailgun(time_scale=0.00001)
    recipients = list(EXPECTED)
    status, answer, _ = await send(sim, form(recipients))
    assert status == 200
    assert answer["message"] == "Queued. Thank you."
    assert answer["id"].startswith("<")
    assert answer["id"].endswith(f"@{DOMAIN}>")
    total = sum(len(events) for events in EXPECTED.values())
    await receiver.wait_count(total)
    for index, (recipient, expected) in enumerate(EXPECTED.items(), start=1):
        events = events_of(receiver, recipient)
        by_time = sorted(events, key=lambda e: e["timestamp"])
        assert [e["event"] for e in by_time] == expected, recipient
        for event in events:
            assert event["user-variables"] == {"attempt_id": str(index)}
            assert event["message"]["headers"]["message-id"] == answer["id"].strip("<>")
    [bounce] = [
        e for e in events_of(receiver, "bounced@simulator.smlog.test") if e["event"] == "failed"
    ]
    assert (bounce["severity"], bounce["reason"], bounce["delivery-status"]["code"]) == (
        "permanent",
        "bounce",
        550,
    )
    [suppressed] = [
        e for e in events_of(receiver, "suppressed@simulator.smlog.test") if e["event"] == "failed"
    ]
    assert (suppressed["severity"], suppressed["reason"]) == ("permanent", "suppress-bounce")
    [temporary] = [
        e for e in events_of(receiver, "tempfail@simulator.smlog.test") if e["event"] == "failed"
    ]
    assert temporary["severity"] == "temporary"
    for post in receiver.posts:
        verify_mailgun(SIGNING_KEY, post.data["signature"])
        with pytest.raises(SignatureError):
            verify_mailgun("wrong-key", post.data["signature"])
    stats = await sim.stats()
    assert stats["accepted"] == {"email": len(EXPECTED)}
    assert stats["outcomes"]["email"]["silent"] == 1


@pytest.mark.parametrize(
    ("address", "status"),
    [
        ("rejected@simulator.smlog.test", 400),
        ("error@simulator.smlog.test", 500),
        ("ratelimited@simulator.smlog.test", 429),
        ("not an address", 400),
    ],
)
async def test_request_errors(start_mailgun: VoxFactory, address: str, status: int) -> None:
    sim = await start_mailgun()
    got, answer, headers = await send(sim, form(["delivered@simulator.smlog.test", address]))
    assert got == status
    assert isinstance(answer["message"], str)
    if status == 429:
        assert "Retry-After" in headers
    assert (await sim.stats())["accepted"] == {}


async def test_bad_key_domain_fields_and_size(start_mailgun: VoxFactory) -> None:
    sim = await start_mailgun(max_body_bytes=64 * 1024, max_recipients=3)
    to = ["delivered@simulator.smlog.test"]
    assert (await send(sim, form(to), auth=basic("nope")))[0] == 401
    assert (await send(sim, form(to), domain="other.test"))[0] == 404
    assert (await send(sim, form(to * 4)))[0] == 400  # over max_recipients
    assert (await send(sim, form(to, **{"recipient-variables": "{"})))[0] == 400
    bare = aiohttp.FormData({"from": "a@b.org", "to": to[0]})
    status, answer, _ = await send(sim, bare)
    assert (status, answer["message"]) == (400, "'subject' parameter is missing")
    status, answer, _ = await send(sim, form(to, text="x" * 70_000))
    assert status == 413
    assert "message" in answer
    async with sim.http.post(f"{sim.url}/v3/{DOMAIN}/messages", data=b"junk", headers=AUTH) as r:
        assert r.status == 400
        assert (await r.json())["message"] == "'from' parameter is missing"


async def test_idempotency_key_sends_once(start_mailgun: VoxFactory, receiver: Receiver) -> None:
    sim = await start_mailgun()
    to = ["delivered@simulator.smlog.test"]
    first = await send(sim, form(to, **{"h:Idempotency-Key": "batch-1"}))
    again = await send(sim, form(to, **{"h:Idempotency-Key": "batch-1"}))
    assert first[1]["id"] == again[1]["id"]
    url = f"{sim.url}/v3/{DOMAIN}/messages"
    headers = {"Idempotency-Key": "batch-1"}
    async with sim.http.post(url, data=form(to), headers={**AUTH, **headers}) as response:
        assert (await response.json())["id"] == first[1]["id"]
    other = await send(
        sim, form(["opened@simulator.smlog.test"], **{"h:Idempotency-Key": "batch-1"})
    )
    assert other[0] == 400
    await receiver.wait_count(2)
    stats = await sim.stats()
    assert stats["accepted"] == {"email": 1}
    assert (stats["idempotency_keys"], stats["duplicates_replayed"]) == (1, 2)


async def test_webhook_retries_follow_the_schedule(
    start_mailgun: VoxFactory, receiver: Receiver
) -> None:
    scale = 0.00002  # the 8 h 5 min schedule in 0.58 s
    sim = await start_mailgun(time_scale=scale)
    receiver.respond = lambda _post: 500
    await send(sim, form(["bounced@simulator.smlog.test"]))
    attempts = 1 + len(RETRY_SCHEDULE_S)
    await receiver.wait_count(2 * attempts)
    stats = await sim.wait_stats(lambda s: s["callbacks"].get("failed") == 2)
    assert stats["callbacks"] == {"retried": 2 * len(RETRY_SCHEDULE_S), "failed": 2}
    accepted = [p for p in receiver.posts if p.data["event-data"]["event"] == "accepted"]
    assert len(accepted) == attempts
    tokens = {p.data["signature"]["token"] for p in accepted}
    assert len(tokens) == attempts  # every post signed afresh
    gaps = [b.at - a.at for a, b in itertools.pairwise(accepted)]
    for gap, delay in zip(gaps, RETRY_SCHEDULE_S, strict=True):
        assert gap >= delay * scale * 0.95
    delays = [r["delay_s"] for r in stats["recent_retries"] if r["kind"] == "email"]
    assert sorted(delays) == sorted(list(RETRY_SCHEDULE_S) * 2)


async def test_406_stops_retries(start_mailgun: VoxFactory, receiver: Receiver) -> None:
    sim = await start_mailgun()
    receiver.respond = lambda _post: 406
    await send(sim, form(["delivered@simulator.smlog.test"]))
    stats = await sim.wait_stats(lambda s: s["callbacks"].get("failed") == 2)
    assert stats["callbacks"] == {"failed": 2}
    assert len(receiver.posts) == 2


async def test_events_api_pages_and_filters(start_mailgun: VoxFactory, receiver: Receiver) -> None:
    sim = await start_mailgun()
    to = [f"delivered+{n}@simulator.smlog.test" for n in range(5)]
    _, answer, _ = await send(sim, form(to))
    await receiver.wait_count(10)
    url = f"{sim.url}/v3/{DOMAIN}/events"
    seen: list[dict[str, Any]] = []
    page_url = f"{url}?limit=3"
    for _ in range(10):
        async with sim.http.get(page_url, headers=AUTH) as response:
            page = await response.json()
        if not page["items"]:
            break
        seen.extend(page["items"])
        page_url = page["paging"]["next"]
    assert len(seen) == 10
    assert len({e["id"] for e in seen}) == 10
    params = {"event": "delivered", "recipient": to[2], "message-id": answer["id"]}
    async with sim.http.get(url, params=params, headers=AUTH) as response:
        [item] = (await response.json())["items"]
    assert item["event"] == "delivered"
    assert item["recipient"] == to[2]
    for bad in ({"limit": "0"}, {"limit": "301"}, {"page": "nonsense"}):
        async with sim.http.get(url, params=bad, headers=AUTH) as response:
            assert response.status == 400
    async with sim.http.get(url) as response:
        assert response.status == 401


async def test_duplicate_fault_and_rate_limit(
    start_mailgun: VoxFactory, receiver: Receiver
) -> None:
    sim = await start_mailgun(requests_per_second=0.5)
    await sim.faults(duplicate=1.0)
    await send(sim, form(["delivered@simulator.smlog.test"]))
    await receiver.wait_count(4)
    assert len({p.data["event-data"]["id"] for p in receiver.posts}) == 2
    status, _, headers = await send(sim, form(["delivered@simulator.smlog.test"]))
    assert status == 429
    assert float(headers["Retry-After"]) > 0


async def test_events_happen_later_at_a_larger_time_scale(
    start_mailgun: VoxFactory, receiver: Receiver
) -> None:
    sim = await start_mailgun(time_scale=0.01)
    started = time.time()
    await send(sim, form(["delivered@simulator.smlog.test"]))
    await receiver.wait_count(2)
    accepted, delivered = sorted(
        (p.data["event-data"] for p in receiver.posts), key=lambda e: e["timestamp"]
    )
    assert (accepted["event"], delivered["event"]) == ("accepted", "delivered")
    assert delivered["timestamp"] - started >= 0.005  # accept + deliver >= 0.55 vendor s


async def test_serve_runs_until_stopped() -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(serve(MailgunSettings(port=0, time_scale=0), stop))
    await asyncio.sleep(0)
    stop.set()
    await asyncio.wait_for(task, 5)


async def test_a_send_to_max_recipients_is_accepted(start_mailgun: VoxFactory) -> None:
    """1,000 ``to`` fields plus the others: more than aiohttp's default form field limit."""
    sim = await start_mailgun()
    to = [f"delivered+{i}@simulator.smlog.test" for i in range(1000)]
    status, answer, _ = await send(sim, form(to))
    assert status == 200, answer
    assert (await sim.stats())["accepted"] == {"email": 1000}
