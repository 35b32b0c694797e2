"""The shared service runtime, with real in-process gRPC servers on port 0."""

from __future__ import annotations

import importlib
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
import jwt
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from prometheus_client import REGISTRY

from smlog.auth import Right, current_caller, mint_token
from smlog.config import Settings
from smlog.errors import InvalidArgumentError
from smlog.runtime import GrpcHost, ServiceParts, Servicer, open_channel
from smlog.v1 import log_pb2, log_pb2_grpc

SERVICES = {
    "dispatch": "smlog.v1.DispatchService",
    "status": "smlog.v1.StatusService",
    "log": "smlog.v1.SentMessageLogService",
    "reports": "smlog.v1.ReportService",
}


class _ProbeLog(log_pb2_grpc.SentMessageLogServiceServicer):
    """A servicer whose handlers exercise the interceptor: rights, domain errors, bugs."""

    async def GetMessage(
        self, request: log_pb2.GetMessageRequest, context: Any
    ) -> log_pb2.GetMessageResponse:
        current_caller().require(Right.SENT_MESSAGE_LOG, "open a message")
        if request.message_id < 0:
            raise InvalidArgumentError("message_id", "must be positive")
        if request.message_id == 13:
            raise RuntimeError("a bug with a secret +15555550123")
        return log_pb2.GetMessageResponse(message=log_pb2.MessageDetail(message_id=7))

    async def ListMessages(self, request: Any, context: Any) -> log_pb2.ListMessagesResponse:
        return log_pb2.ListMessagesResponse()

    async def ListDeliveries(self, request: Any, context: Any) -> log_pb2.ListDeliveriesResponse:
        return log_pb2.ListDeliveriesResponse()


@pytest.fixture
async def probe(settings: Settings) -> AsyncIterator[tuple[GrpcHost, str]]:
    parts = ServiceParts(
        "probe",
        [
            Servicer(
                log_pb2_grpc.add_SentMessageLogServiceServicer_to_server,
                _ProbeLog(),
                SERVICES["log"],
            )
        ],
    )
    host = GrpcHost(parts, settings, port=0)
    await host.start()
    yield host, f"127.0.0.1:{host.port}"
    await host.stop(0.5)


def _token(settings: Settings, rights: list[str], **kw: Any) -> str:
    return mint_token(settings.jwt_secret, user_id="u1", district_id=1, rights=rights, **kw)


@pytest.mark.parametrize("name", list(SERVICES))
async def test_each_service_starts_serving_with_reflection(settings: Settings, name: str) -> None:
    module = importlib.import_module(f"services.{name}.service")
    parts = await module.create(settings)
    host = GrpcHost(parts, settings, port=0, metrics_port=0)
    await host.start()
    try:
        async with open_channel(f"127.0.0.1:{host.port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            for service in ("", SERVICES[name]):
                reply = await health.Check(health_pb2.HealthCheckRequest(service=service))
                assert reply.status == health_pb2.HealthCheckResponse.SERVING
            stub = reflection_pb2_grpc.ServerReflectionStub(channel)
            request = reflection_pb2.ServerReflectionRequest(list_services="")
            listed: set[str] = set()
            async for response in stub.ServerReflectionInfo(iter([request])):
                listed |= {s.name for s in response.list_services_response.service}
            assert SERVICES[name] in listed
            assert "grpc.health.v1.Health" in listed
        assert host.metrics_port > 0
    finally:
        await host.stop(0.5)


async def test_missing_expired_and_forged_tokens_are_unauthenticated(
    settings: Settings, probe: tuple[GrpcHost, str]
) -> None:
    _, target = probe
    expired = _token(settings, ["sent_message_log"], ttl_seconds=-10)
    forged = jwt.encode(
        {"sub": "u1", "district_id": 1, "rights": ["sent_message_log"], "exp": time.time() + 60},
        "not-the-secret-but-long-enough-for-hs256",
        algorithm="HS256",
    )
    for token, reason in [(None, "missing"), (expired, "expired"), (forged, "signature")]:
        async with open_channel(target, token=token) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await log_pb2_grpc.SentMessageLogServiceStub(channel).GetMessage(
                    log_pb2.GetMessageRequest(message_id=1)
                )
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert reason in (err.value.details() or "")


async def test_missing_right_names_it(settings: Settings, probe: tuple[GrpcHost, str]) -> None:
    _, target = probe
    async with open_channel(target, token=_token(settings, ["my_messages"])) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await log_pb2_grpc.SentMessageLogServiceStub(channel).GetMessage(
                log_pb2.GetMessageRequest(message_id=1)
            )
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "sent_message_log" in (err.value.details() or "")


async def test_domain_errors_map_and_bugs_do_not_leak(
    settings: Settings, probe: tuple[GrpcHost, str]
) -> None:
    _, target = probe
    token = _token(settings, ["sent_message_log"])
    async with open_channel(target, token=token) as channel:
        stub = log_pb2_grpc.SentMessageLogServiceStub(channel)
        ok = await stub.GetMessage(log_pb2.GetMessageRequest(message_id=1))
        assert ok.message.message_id == 7
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.GetMessage(log_pb2.GetMessageRequest(message_id=-1))
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert err.value.details() == "message_id: must be positive"
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.GetMessage(log_pb2.GetMessageRequest(message_id=13))
        assert err.value.code() == grpc.StatusCode.INTERNAL
        assert err.value.details() == "internal error"


async def test_rpc_metrics_are_recorded(settings: Settings, probe: tuple[GrpcHost, str]) -> None:
    _, target = probe
    labels = {
        "grpc_service": "smlog.v1.SentMessageLogService",
        "grpc_method": "ListMessages",
        "grpc_code": "OK",
    }
    before = REGISTRY.get_sample_value("smlog_grpc_server_handled_total", labels) or 0.0
    async with open_channel(target, token=_token(settings, [])) as channel:
        await log_pb2_grpc.SentMessageLogServiceStub(channel).ListMessages(
            log_pb2.ListMessagesRequest()
        )
    after = REGISTRY.get_sample_value("smlog_grpc_server_handled_total", labels)
    assert after == before + 1


async def test_graceful_stop_goes_not_serving(settings: Settings) -> None:
    host = GrpcHost(ServiceParts("empty", []), settings, port=0)
    await host.start()
    async with open_channel(f"127.0.0.1:{host.port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        assert (await health.Check(health_pb2.HealthCheckRequest())).status == 1
        await host.drain()
        reply = await health.Check(health_pb2.HealthCheckRequest())
        assert reply.status == health_pb2.HealthCheckResponse.NOT_SERVING
    await host.stop(0.5)
