"""gRPC over TLS: a TLS stack (dispatch and log on development certificates) answers TLS
clients that trust its CA, and refuses plaintext clients, clients trusting another CA, and,
when client certificates are required, clients without one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from smlog.auth import mint_token
from smlog.cli.certs import write_dev_certs
from smlog.cli.health import check_grpc
from smlog.config import Settings
from smlog.errors import ConfigError
from smlog.runtime import GrpcHost, open_channel
from smlog.runtime.tls import channel_credentials, server_credentials
from smlog.services.dispatch.service import create as create_dispatch
from smlog.services.log.service import create as create_log
from smlog.v1 import log_pb2, log_pb2_grpc

RIGHTS = ["sent_message_log", "all_messages", "type_general"]


def tls_settings(settings: Settings, certs: Path, *, require_client: bool) -> Settings:
    return settings.replace(
        tls_cert_file=str(certs / "server.pem"),
        tls_key_file=str(certs / "server-key.pem"),
        tls_ca_file=str(certs / "ca.pem"),
        tls_client_cert_file=str(certs / "client.pem"),
        tls_client_key_file=str(certs / "client-key.pem"),
        tls_require_client_cert=require_client,
    )


@pytest.fixture(params=[False, True], ids=["server-tls", "mutual-tls"])
async def stack(
    request: pytest.FixtureRequest, settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[Settings, dict[str, str]]]:
    write_dev_certs(tmp_path / "certs", ["localhost", "127.0.0.1"])
    secure = tls_settings(settings, tmp_path / "certs", require_client=request.param)
    hosts = []
    targets = {}
    for name, create in (("dispatch", create_dispatch), ("log", create_log)):
        host = GrpcHost(await create(secure), secure, port=0)
        targets[name] = f"127.0.0.1:{await host.start()}"
        hosts.append(host)
    yield secure, targets
    for host in hosts:
        await host.stop(0)


async def list_messages(target: str, token: str, tls: grpc.ChannelCredentials | None) -> int:
    async with open_channel(target, token=token, tls=tls, timeout=5) as channel:
        page = await log_pb2_grpc.SentMessageLogServiceStub(channel).ListMessages(
            log_pb2.ListMessagesRequest(page_size=5)
        )
        return len(page.messages)


async def test_tls_clients_are_served_and_plaintext_ones_refused(
    stack: tuple[Settings, dict[str, str]], tmp_path: Path
) -> None:
    secure, targets = stack
    token = mint_token(secure.jwt_secret, user_id="u", district_id=1, rights=RIGHTS)
    tls = channel_credentials(secure)
    assert tls is not None
    assert await list_messages(targets["log"], token, tls) == 0
    for target in targets.values():
        assert await check_grpc(target, timeout=5, tls=tls)
        assert not await check_grpc(target, timeout=2)  # plaintext: no answer
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await list_messages(targets["log"], token, None)
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    # A client that trusts another CA does not accept the server's certificate.
    write_dev_certs(tmp_path / "other", ["localhost", "127.0.0.1"])
    other_ca = str(tmp_path / "other" / "ca.pem")
    other = channel_credentials(
        secure.replace(tls_ca_file=other_ca, tls_client_cert_file="", tls_client_key_file="")
    )
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await list_messages(targets["log"], token, other)
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    # Without a client certificate: served unless the servers require one.
    bare = channel_credentials(secure.replace(tls_client_cert_file="", tls_client_key_file=""))
    if secure.tls_require_client_cert:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await list_messages(targets["log"], token, bare)
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    else:
        assert await list_messages(targets["log"], token, bare) == 0


def test_tls_settings_are_checked(settings: Settings, tmp_path: Path) -> None:
    assert server_credentials(settings) is None  # off by default
    assert channel_credentials(settings) is None
    bad = [
        (settings.replace(tls_cert_file="x.pem"), "go together"),
        (settings.replace(tls_require_client_cert=True), "needs SMLOG_TLS_CERT_FILE"),
        (
            settings.replace(
                tls_cert_file=str(tmp_path / "no.pem"), tls_key_file=str(tmp_path / "no-key.pem")
            ),
            "cannot read",
        ),
    ]
    for wrong, message in bad:
        with pytest.raises(ConfigError, match=message):
            server_credentials(wrong)
    with pytest.raises(ConfigError, match="needs SMLOG_TLS_CA_FILE"):
        channel_credentials(settings.replace(tls_client_cert_file="c.pem"))


def test_dev_certs_keep_keys_private_and_are_not_replaced(tmp_path: Path) -> None:
    paths = write_dev_certs(tmp_path, ["localhost"])
    modes = {p.name: p.stat().st_mode & 0o777 for p in paths}
    assert modes["server-key.pem"] == modes["client-key.pem"] == 0o600
    before = (tmp_path / "ca.pem").read_bytes()
    write_dev_certs(tmp_path, ["localhost"])
    assert (tmp_path / "ca.pem").read_bytes() == before
    write_dev_certs(tmp_path, ["localhost"], force=True)
    assert (tmp_path / "ca.pem").read_bytes() != before
    assert not list(tmp_path.glob("ca-key*"))  # the CA's key is never written
