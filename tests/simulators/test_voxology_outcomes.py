"""Every Voxology magic number produces its outcome and its signed callbacks."""

from __future__ import annotations

from typing import Any

import pytest

from smlog.signing import SignatureError, verify_voxology

from .conftest import Receiver, Sim, VoxFactory

SECRET = "voxology-dev-secret"
AUTH = {"Authorization": "Bearer voxology-dev-key"}


async def call(sim: Sim, to: str, key: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    body = {"to": to, "from": "+15555550000", "say": "School is closed today.", **extra}
    headers = {**AUTH, "Idempotency-Key": key}
    async with sim.http.post(f"{sim.url}/v1/calls", json=body, headers=headers) as response:
        return response.status, await response.json()


async def text(sim: Sim, to: str, key: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    body = {"to": to, "from": "55555", "body": "School is closed today.", **extra}
    headers = {**AUTH, "Idempotency-Key": key}
    async with sim.http.post(f"{sim.url}/v1/messages", json=body, headers=headers) as response:
        return response.status, await response.json()


def for_id(receiver: Receiver, field: str, value: str) -> list[dict[str, Any]]:
    return [post.data for post in receiver.posts if post.data.get(field) == value]


@pytest.mark.parametrize(
    ("number", "status", "digits"),
    [
        ("+15555550100", "completed", "0"),
        ("+15555550101", "completed", ""),
        ("+15555550102", "busy", None),
        ("+15555550103", "no-answer", None),
        ("+15555550104", "failed", None),
        ("+15555550120", "completed", "0"),  # a text magic number called: completes with 0
    ],
)
async def test_voice_magic_numbers(
    start_voxology: VoxFactory, receiver: Receiver, number: str, status: str, digits: str | None
) -> None:
    sim = await start_voxology()
    code, answer = await call(sim, number, "k1")
    assert code == 201
    assert answer["status"] == "queued"
    call_id = answer["call_id"]
    await receiver.wait_for(lambda _: len(for_id(receiver, "call_id", call_id)) >= 1)
    [event] = for_id(receiver, "call_id", call_id)
    assert event["status"] == status
    assert event.get("digits") == digits
    assert event["event_id"]
    assert event["timestamp"].endswith("Z")
    assert isinstance(event["duration_s"], int)
    [post] = receiver.on("/call")
    verify_voxology(
        SECRET,
        post.body,
        post.headers["X-Voxology-Timestamp"],
        post.headers["X-Voxology-Signature"],
        target=post.target,
    )
    with pytest.raises(SignatureError):
        verify_voxology(
            "wrong-secret",
            post.body,
            post.headers["X-Voxology-Timestamp"],
            post.headers["X-Voxology-Signature"],
            target=post.target,
        )
    with pytest.raises(SignatureError):  # re-posted for another attempt
        verify_voxology(
            SECRET,
            post.body,
            post.headers["X-Voxology-Timestamp"],
            post.headers["X-Voxology-Signature"],
            target=post.target + "0",
        )


async def test_redial_numbers_depend_on_how_often_they_were_called(
    start_voxology: VoxFactory, receiver: Receiver
) -> None:
    sim = await start_voxology()
    expected = {
        "+15555550109": ["busy", "busy", "completed", "completed"],
        "+15555550110": ["no-answer", "completed", "completed", "completed"],
    }
    for number, statuses in expected.items():
        for attempt, status in enumerate(statuses, start=1):
            _, answer = await call(sim, number, f"{number}-{attempt}")
            call_id = answer["call_id"]
            await receiver.wait_for(lambda _, c=call_id: bool(for_id(receiver, "call_id", c)))
            assert for_id(receiver, "call_id", call_id)[0]["status"] == status


async def test_silent_number_never_calls_back(
    start_voxology: VoxFactory, receiver: Receiver
) -> None:
    sim = await start_voxology()
    _, silent = await call(sim, "+15555550105", "silent")
    _, silent_text = await text(sim, "+15555550122", "silent-text")
    _, other = await call(sim, "+15555550100", "other")
    await receiver.wait_for(lambda _: bool(for_id(receiver, "call_id", other["call_id"])))
    stats = await sim.wait_stats(lambda s: s["callbacks"].get("sent") == 1)
    assert stats["outcomes"]["call"] == {"silent": 1, "completed": 1}
    assert stats["outcomes"]["sms"] == {"silent": 1}
    assert stats["accepted"] == {"call": 2, "sms": 1}
    assert stats["callbacks"] == {"sent": 1}
    assert not for_id(receiver, "call_id", silent["call_id"])
    assert not for_id(receiver, "message_id", silent_text["message_id"])


async def test_intermediate_events_only_when_asked(
    start_voxology: VoxFactory, receiver: Receiver
) -> None:
    sim = await start_voxology()
    events = ["ringing", "answered", "completed"]
    _, asked = await call(sim, "+15555550100", "a", status_callback_events=events)
    _, no_answer = await call(sim, "+15555550103", "b", status_callback_events=events)
    _, default = await call(sim, "+15555550100", "c")
    await receiver.wait_count(6)
    statuses = sorted(e["status"] for e in for_id(receiver, "call_id", asked["call_id"]))
    assert statuses == ["answered", "completed", "ringing"]
    statuses = sorted(e["status"] for e in for_id(receiver, "call_id", no_answer["call_id"]))
    assert statuses == ["no-answer", "ringing"]
    assert [e["status"] for e in for_id(receiver, "call_id", default["call_id"])] == ["completed"]


async def test_status_callback_in_the_request_wins(
    start_voxology: VoxFactory, receiver: Receiver
) -> None:
    sim = await start_voxology()
    url = f"{receiver.url}/webhooks/voxology/call?attempt_id=123"
    await call(sim, "+15555550100", "k", status_callback=url)
    await receiver.wait_count(1)
    assert receiver.posts[0].path == "/webhooks/voxology/call"
    assert receiver.posts[0].query == {"attempt_id": "123"}


@pytest.mark.parametrize(
    ("number", "statuses", "error_code"),
    [
        ("+15555550120", ["sent", "delivered"], None),
        ("+15555550121", ["sent", "undelivered"], "30006"),
        ("+15555550124", ["failed"], "30008"),
        ("+15555550100", ["sent", "delivered"], None),  # a voice magic number texted
    ],
)
async def test_sms_magic_numbers(
    start_voxology: VoxFactory,
    receiver: Receiver,
    number: str,
    statuses: list[str],
    error_code: str | None,
) -> None:
    sim = await start_voxology(time_scale=0.001)  # sent and final milliseconds apart
    code, answer = await text(sim, number, "k")
    assert code == 201
    message_id = answer["message_id"]
    await receiver.wait_count(len(statuses), "/sms")
    events = for_id(receiver, "message_id", message_id)
    assert sorted(e["status"] for e in events) == sorted(statuses)
    assert events[-1].get("error_code") == error_code
    for post in receiver.on("/sms"):
        headers = post.headers
        verify_voxology(
            SECRET,
            post.body,
            headers["X-Voxology-Timestamp"],
            headers["X-Voxology-Signature"],
            target=post.target,
        )


@pytest.mark.parametrize(
    ("number", "body"),
    [("+15555550123", "STOP"), ("+15555550125", "start"), ("+15555550126", " Help ")],
)
async def test_numbers_that_reply_after_a_text(
    start_voxology: VoxFactory, receiver: Receiver, number: str, body: str
) -> None:
    sim = await start_voxology()
    await text(sim, number, "k")
    await receiver.wait_count(1, "/inbound")
    [inbound] = receiver.on("/inbound")
    assert inbound.data["from"] == number
    assert inbound.data["to"] == "55555"  # the number the text came from
    assert inbound.data["body"] == body
    assert inbound.data["message_id"].startswith("SM")
    verify_voxology(
        SECRET,
        inbound.body,
        inbound.headers["X-Voxology-Timestamp"],
        inbound.headers["X-Voxology-Signature"],
        target=inbound.target,
    )


async def test_admin_reply_now_and_after_the_next_text(
    start_voxology: VoxFactory, receiver: Receiver
) -> None:
    sim = await start_voxology()
    reply = {"from": "+15550001111", "body": " stop "}
    async with sim.http.post(f"{sim.url}/admin/reply", json=reply) as response:
        assert response.status == 202
    await receiver.wait_count(1, "/inbound")
    assert receiver.on("/inbound")[0].data["body"] == " stop "

    later = {"from": "+15555550120", "body": "HELP", "after_text": True}
    async with sim.http.post(f"{sim.url}/admin/reply", json=later) as response:
        assert response.status == 202
    assert len(receiver.on("/inbound")) == 1
    await text(sim, "+15555550120", "k")
    await receiver.wait_count(2, "/inbound")
    assert receiver.on("/inbound")[1].data["body"] == "HELP"
    async with sim.http.post(f"{sim.url}/admin/reply", json={"from": 1}) as response:
        assert response.status == 400


async def test_a_reply_goes_to_the_number_the_text_came_from(
    start_voxology: VoxFactory, receiver: Receiver
) -> None:
    # A district without a short code texts from the default sender number: STOP comes back
    # to that number, not to the simulator's short code.
    sim = await start_voxology()
    await text(sim, "+15555550123", "k", **{"from": "+15555550000"})
    await receiver.wait_count(1, "/inbound")
    [inbound] = receiver.on("/inbound")
    assert (inbound.data["to"], inbound.data["body"]) == ("+15555550000", "STOP")
