"""Voxology request handling: errors, idempotency, limits, bad input, admin and metrics."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smlog.simulators.voxology import VoxologySettings, serve
from smlog.simulators.voxology.requests import InvalidRequest, parse_call, parse_sms

from .conftest import Receiver, VoxFactory
from .test_voxology_outcomes import AUTH, call, text


@pytest.mark.parametrize("send", [call, text])
@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        ("+15555550106", 400, "invalid_number"),
        ("+15555550107", 500, "vendor_error"),
        ("+15555550108", 429, "rate_limited"),
    ],
)
async def test_request_error_numbers(
    start_voxology: VoxFactory, send: Any, number: str, status: int, code: str
) -> None:
    sim = await start_voxology()
    got, answer = await send(sim, number, "k")
    assert (got, answer["error"]["code"]) == (status, code)
    stats = await sim.stats()
    assert stats["accepted"] == {}
    assert stats["idempotency_keys"] == 0


async def test_429_carries_retry_after(start_voxology: VoxFactory) -> None:
    sim = await start_voxology(time_scale=2.0)
    headers = {**AUTH, "Idempotency-Key": "k"}
    body = {"to": "+15555550108", "from": "+15555550000", "say": "hi"}
    async with sim.http.post(f"{sim.url}/v1/calls", json=body, headers=headers) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "2"


async def test_same_key_never_places_a_second_call(
    start_voxology: VoxFactory, receiver: Receiver
) -> None:
    sim = await start_voxology()
    results = await asyncio.gather(*(call(sim, "+15555550100", "same") for _ in range(10)))
    assert {status for status, _ in results} == {201}
    assert len({answer["call_id"] for _, answer in results}) == 1
    _, _other = await text(sim, "+15555550120", "same")  # keys are per endpoint
    await receiver.wait_count(3)
    stats = await sim.stats()
    assert stats["accepted"] == {"call": 1, "sms": 1}
    assert stats["idempotency_keys"] == 2
    assert stats["duplicates_replayed"] == 9
    assert len(receiver.on("/call")) == 1
    async with sim.http.get(f"{sim.url}/admin/recipient", params={"to": "+15555550100"}) as r:
        assert (await r.json())["accepted"] == {"call": 1, "sms": 0}
    status, answer = await call(sim, "+15555550101", "same")
    assert (status, answer["error"]["code"]) == (400, "idempotency_key_reused")


async def test_a_refused_request_does_not_use_up_its_key(start_voxology: VoxFactory) -> None:
    sim = await start_voxology()
    await sim.faults(error_burst=2)
    results = [await call(sim, "+15555550100", "k") for _ in range(3)]
    assert [status for status, _ in results] == [500, 500, 201]
    assert results[0][1]["error"]["code"] == "vendor_error"
    assert (await sim.stats())["accepted"] == {"call": 1}


async def test_slow_response_past_the_deadline_then_retry_places_one_call(
    start_voxology: VoxFactory, receiver: Receiver
) -> None:
    sim = await start_voxology()
    await sim.faults(slow_s=0.5)
    body = {"to": "+15555550100", "from": "+15555550000", "say": "School is closed today."}
    headers = {**AUTH, "Idempotency-Key": "deadline"}
    timeout = aiohttp.ClientTimeout(total=0.1)
    with pytest.raises(TimeoutError):
        async with sim.http.post(
            f"{sim.url}/v1/calls", json=body, headers=headers, timeout=timeout
        ) as response:
            await response.read()
    async with sim.http.delete(f"{sim.url}/admin/faults") as response:
        assert (await response.json())["slow_s"] == 0
    status, _answer = await call(sim, "+15555550100", "deadline")
    assert status == 201
    await receiver.wait_count(1)
    stats = await sim.stats()
    assert stats["accepted"] == {"call": 1}
    assert stats["duplicates_replayed"] == 1


async def test_rate_limit_answers_429(start_voxology: VoxFactory) -> None:
    sim = await start_voxology(calls_per_second=0.5, messages_per_second=0.5)
    assert (await call(sim, "+15555550100", "a"))[0] == 201
    status, answer = await call(sim, "+15555550100", "b")
    assert (status, answer["error"]["code"]) == (429, "rate_limited")
    assert (await text(sim, "+15555550120", "c"))[0] == 201
    assert (await text(sim, "+15555550120", "d"))[0] == 429


async def test_concurrent_call_limit_answers_429(start_voxology: VoxFactory) -> None:
    sim = await start_voxology(time_scale=1.0, max_concurrent_calls=2)
    assert (await call(sim, "+15555550100", "a"))[0] == 201
    assert (await call(sim, "+15555550100", "b"))[0] == 201
    status, answer = await call(sim, "+15555550100", "c")
    assert (status, answer["error"]["code"]) == (429, "concurrency_limit")
    assert (await sim.stats())["active_calls"] == 2


@pytest.mark.parametrize(
    ("raw", "headers", "status", "code"),
    [
        (b"{not json", {}, 400, "invalid_request"),
        (b"[1, 2]", {}, 400, "invalid_request"),
        (b'{"to": "+15555550100"}', {}, 400, "missing_field"),
        (b'{"to": "555-0100", "from": "+15555550000", "say": "x"}', {}, 400, "invalid_number"),
        (b'{"to": "+15555550100", "from": "+15555550000", "say": 3}', {}, 400, "invalid_field"),
        (b"x" * 70_000, {}, 413, "request_too_large"),
        (b"{}", {"Idempotency-Key": ""}, 400, "missing_idempotency_key"),
        (b"{}", {"Authorization": "Bearer wrong"}, 401, "unauthorized"),
    ],
)
async def test_bad_requests_get_vendor_shaped_4xx(
    start_voxology: VoxFactory, raw: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    sim = await start_voxology()
    all_headers = {**AUTH, "Idempotency-Key": "k", "Content-Type": "application/json", **headers}
    async with sim.http.post(f"{sim.url}/v1/calls", data=raw, headers=all_headers) as response:
        assert response.status == status
        assert (await response.json())["error"]["code"] == code


async def test_unknown_route_and_text_to_an_extension(start_voxology: VoxFactory) -> None:
    sim = await start_voxology()
    async with sim.http.get(f"{sim.url}/v1/nowhere") as response:
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"
    status, answer = await text(sim, "+15555550120", "k", extension="12")
    assert (status, answer["error"]["code"]) == (400, "invalid_number")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "to",
                "from",
                "say",
                "body",
                "extension",
                "status_callback",
                "status_callback_events",
                "x",
            ]
        ),
        st.one_of(
            st.none(),
            st.integers(),
            st.text(max_size=40),
            st.lists(st.text(max_size=10), max_size=3),
        ),
    )
)
def test_any_json_object_is_parsed_or_refused_with_a_code(body: dict[str, Any]) -> None:
    for parse in (parse_call, parse_sms):
        codes = set()
        try:
            parse(body)
        except InvalidRequest as exc:
            codes.add(exc.code)
        assert codes <= {"missing_field", "invalid_field", "invalid_number"}


async def test_metrics_health_and_reset(start_voxology: VoxFactory, receiver: Receiver) -> None:
    sim = await start_voxology()
    await call(sim, "+15555550100", "k")
    await sim.wait_stats(lambda s: s["callbacks"].get("sent") == 1)
    async with sim.http.get(f"{sim.url}/metrics") as response:
        metrics = await response.text()
    assert 'smlog_sim_requests_total{code="201",endpoint="/v1/calls"} 1.0' in metrics
    assert 'smlog_sim_outcomes_total{channel="call",outcome="completed"} 1.0' in metrics
    assert 'smlog_sim_callbacks_total{kind="call",result="sent"} 1.0' in metrics
    assert "smlog_sim_callback_duration_seconds_bucket" in metrics
    assert "5555550100" not in metrics
    async with sim.http.get(f"{sim.url}/healthz") as response:
        assert (await response.json())["status"] == "ok"
    async with sim.http.post(f"{sim.url}/admin/reset") as response:
        assert response.status == 200
    stats = await sim.stats()
    assert stats["accepted"] == {}
    assert stats["idempotency_keys"] == 0
    assert (await call(sim, "+15555550100", "k"))[0] == 201  # the key was forgotten


async def test_serve_runs_until_stopped() -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(serve(VoxologySettings(port=0, time_scale=0), stop))
    await asyncio.sleep(0)
    stop.set()
    await asyncio.wait_for(task, 5)


def test_settings_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="profile"):
        VoxologySettings(profile="nope")
    with pytest.raises(ValueError, match="time_scale"):
        VoxologySettings(time_scale=-1)
