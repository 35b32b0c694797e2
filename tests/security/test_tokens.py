"""Strict tokens: a user key cannot make a service caller, a service name must be known, user
claims must have their types, and every token names our issuer and its audience."""

from __future__ import annotations

import time
from typing import Any

import grpc
import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smlog.auth import Right, TokenKeys, mint_service_token, mint_token, verify_token
from smlog.config import Settings
from smlog.errors import UnauthenticatedError

KEYS = TokenKeys("u" * 40, "s" * 40)
NOW = int(time.time())


def user_claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "smlog",
        "aud": "smlog-user",
        "sub": "u1",
        "name": "U One",
        "district_id": 1,
        "rights": ["sent_message_log"],
        "iat": now,
        "exp": now + 600,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def signed(claims: dict[str, Any], key: str = KEYS.user_secret) -> str:
    return jwt.encode(claims, key, algorithm="HS256")


def refused(token: str, why: str) -> None:
    with pytest.raises(UnauthenticatedError, match=why):
        verify_token(token, KEYS)


def test_well_formed_tokens_verify() -> None:
    claims = user_claims()
    caller = verify_token(signed(claims), KEYS)
    assert (caller.user_id, caller.district_id, caller.is_service) == ("u1", 1, False)
    assert caller.rights == {Right.SENT_MESSAGE_LOG}
    assert caller.expires_at == claims["exp"]
    service = verify_token(mint_service_token(KEYS.service_secret, "dispatch"), KEYS)
    assert (service.service, service.user_id) == ("dispatch", "service:dispatch")


@pytest.mark.parametrize("svc", ["dispatch", True, 1, "root"])
def test_a_user_key_never_makes_a_service_caller(svc: object) -> None:
    # The old attack: any truthy svc claim in a token signed with the user key.
    refused(signed(user_claims(svc=svc)), "cannot name a service")
    # The same as a service token, but signed with the user key.
    claims = user_claims(aud="smlog-service", sub="service:dispatch", svc=svc)
    refused(signed(claims), "signature")


@pytest.mark.parametrize("svc", [True, 1, "root", "", ["dispatch"]])
def test_a_service_token_names_a_known_service(svc: object) -> None:
    claims = {"iss": "smlog", "aud": "smlog-service", "sub": f"service:{svc}", "svc": svc,
              "iat": int(time.time()), "exp": int(time.time()) + 600}  # fmt: skip
    refused(signed(claims, KEYS.service_secret), "svc is not a known service")
    with pytest.raises(ValueError, match="unknown service"):
        mint_service_token(KEYS.service_secret, "root")


def test_a_service_token_sub_must_name_its_service() -> None:
    claims = {"iss": "smlog", "aud": "smlog-service", "sub": "alice", "svc": "dispatch",
              "iat": int(time.time()), "exp": int(time.time()) + 600}  # fmt: skip
    refused(signed(claims, KEYS.service_secret), "sub does not name the service")


@pytest.mark.parametrize("district", [True, False, 1.9, 1.0, "1", -5, 0, None, [1], {"id": 1}])
def test_district_must_be_a_positive_integer(district: object) -> None:
    claims = user_claims()
    claims["district_id"] = district
    refused(signed(claims), "district_id must be a positive integer")


@given(st.one_of(st.integers(max_value=0), st.floats(), st.text(), st.booleans(), st.none()))
def test_no_other_json_value_is_a_district(district: object) -> None:
    claims = user_claims()
    claims["district_id"] = district
    refused(signed(claims), "district_id")


@pytest.mark.parametrize(
    "rights",
    [{"sent_message_log": True}, "sent_message_log", [1], ["root"], None, [["all_messages"]]],
)
def test_rights_must_be_a_list_of_known_names(rights: object) -> None:
    claims = user_claims()
    claims["rights"] = rights
    refused(signed(claims), "rights|unknown right")


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"iss": None}, "iss"),
        ({"iss": "someone-else"}, "(?i)issuer"),
        ({"aud": None}, "aud"),
        ({"aud": "smlog-other"}, "(?i)audience"),
        ({"iat": None}, "iat"),
        ({"exp": None}, "exp"),
        ({"exp": NOW - 10}, "expired"),
    ],
)
def test_issuer_audience_and_times_are_required(changes: dict[str, Any], why: str) -> None:
    refused(signed(user_claims(**changes)), why)


def test_the_service_key_must_differ_from_the_user_key() -> None:
    from smlog.errors import ConfigError

    secret = "x" * 40
    with pytest.raises(ConfigError, match="SMLOG_SERVICE_JWT_SECRET"):
        Settings.load(env={"SMLOG_JWT_SECRET": secret, "SMLOG_SERVICE_JWT_SECRET": secret})


def test_mint_token_refuses_a_bad_district() -> None:
    for district in (0, -5, True):
        with pytest.raises(ValueError, match="positive integer"):
            mint_token(KEYS.user_secret, user_id="u", district_id=district, rights=[])


async def test_a_forged_service_token_is_refused_by_a_real_server(settings: Settings) -> None:
    """The attack end to end: a token signed with the user key and claiming ``svc`` used to
    pass every check of a service-only RPC; a real status server now refuses it."""
    from smlog.runtime import GrpcHost, open_channel
    from smlog.services.status.service import create_parts
    from smlog.v1 import status_pb2, status_pb2_grpc

    built = await create_parts(settings, http_port=0)
    host = GrpcHost(built.parts, settings, port=0)
    port = await host.start()
    now = int(time.time())
    forged = jwt.encode(
        {"sub": "service:dispatch", "svc": "dispatch", "iat": now, "exp": now + 60},
        settings.jwt_secret,
        algorithm="HS256",
    )
    genuine = mint_service_token(settings.service_jwt_secret, "loadtest")
    request = status_pb2.IngestEventsRequest()
    try:
        async with open_channel(f"127.0.0.1:{port}", token=forged) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await status_pb2_grpc.StatusServiceStub(channel).IngestEvents(request)
            assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
        async with open_channel(f"127.0.0.1:{port}", token=genuine) as channel:
            await status_pb2_grpc.StatusServiceStub(channel).IngestEvents(request)
    finally:
        await host.stop(0)
