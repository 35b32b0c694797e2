"""Client commands never mint a token on their own, even with the signing key in the
environment (as in every container): no --token means no call; --dev-token is explicit."""

from __future__ import annotations

import argparse

import pytest

from smlog.auth import Right, TokenKeys, verify_token
from smlog.cli.connect import client_token
from smlog.cli.main import main
from smlog.config import Settings

SECRET = "a-real-looking-production-secret-0123456789"


@pytest.fixture(autouse=True)
def signing_key_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMLOG_JWT_SECRET", SECRET)
    monkeypatch.delenv("SMLOG_TOKEN", raising=False)


@pytest.mark.parametrize(
    "command",
    [
        ["log", "list"],
        ["log", "show", "1"],
        ["log", "deliveries", "1", "--full-devices"],
        ["report", "1", "--format", "csv"],
        ["cancel", "1"],
        ["watch", "1"],
    ],
)
def test_without_a_token_a_client_command_refuses_to_run(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # The target is a port nobody listens on: a minted token would fail later, as UNAVAILABLE.
    assert main([*command, "--target", "127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert "no token: pass --token or set SMLOG_TOKEN" in err
    assert "UNAVAILABLE" not in err


def test_dev_token_is_minted_only_when_asked_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = argparse.Namespace(token=None, dev_token=True, user="ops", district=4)
    settings = Settings.load()
    token = client_token(args, settings)
    caller = verify_token(token, TokenKeys.from_settings(settings))
    assert (caller.user_id, caller.district_id) == ("ops", 4)
    assert Right.VIEW_DEVICE_DETAILS in caller.rights
    assert "minted a development token with every right" in capsys.readouterr().err
    # An explicit token is used as given, and asking for both is refused.
    args = argparse.Namespace(token="given", dev_token=False, user="cli", district=1)
    assert client_token(args, settings) == "given"
    assert main(["log", "list", "--token", "t", "--dev-token"]) == 2
    assert "choose one" in capsys.readouterr().err
