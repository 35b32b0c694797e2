"""No start outside development on a development secret (and development still starts)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from smlog.config import SECRET_SETTINGS, Settings, check_console_sign_in, check_secrets
from smlog.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
REAL = {f"SMLOG_{name.upper()}": f"{name}-{'k' * 40}" for name, _ in SECRET_SETTINGS}


def test_development_starts_on_the_documented_defaults() -> None:
    for host in ("127.0.0.1", "localhost", "::1"):
        check_secrets(Settings.load(env={"SMLOG_HOST": host}))


@pytest.mark.parametrize(
    "outside", [{"SMLOG_HOST": "0.0.0.0"}, {"SMLOG_HOST": "10.0.0.5"}, {"SMLOG_ENV": "production"}]
)
def test_outside_development_the_defaults_are_refused(outside: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="SMLOG_JWT_SECRET: a development value"):
        check_secrets(Settings.load(env=outside))


def test_outside_development_real_secrets_start() -> None:
    check_secrets(Settings.load(env={"SMLOG_ENV": "production", "SMLOG_HOST": "0.0.0.0", **REAL}))


@pytest.mark.parametrize(("name", "shortest"), SECRET_SETTINGS)
def test_each_secret_is_checked_and_named(name: str, shortest: int) -> None:
    var = f"SMLOG_{name.upper()}"
    default = getattr(Settings(), name)
    for value, reason in (
        (default, "a development value"),
        ("dev-only-placeholder-" + "x" * 40, "a development value"),
        ("y" * (shortest - 1), f"at least {shortest} bytes"),
    ):
        env = {"SMLOG_HOST": "0.0.0.0", **REAL, var: value}
        if len(value) < 32 and name == "jwt_secret":  # its 32-byte floor holds everywhere
            with pytest.raises(ConfigError, match=var):
                Settings.load(env=env)
            continue
        with pytest.raises(ConfigError) as info:
            check_secrets(Settings.load(env=env))
        assert str(info.value).startswith(f"{var}: {reason}")


def test_every_env_example_placeholder_is_refused() -> None:
    lines = (ROOT / "deploy" / "env.example").read_text().splitlines()
    example = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    for name, _ in SECRET_SETTINGS:
        var = f"SMLOG_{name.upper()}"
        assert var in example, var
        env = {"SMLOG_HOST": "0.0.0.0", **REAL, var: example[var]}
        with pytest.raises(ConfigError, match=var):
            check_secrets(Settings.load(env=env))


def test_serve_refuses_with_one_line_naming_the_setting(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMLOG_")}
    env |= {"SMLOG_ENV": "production", **REAL, "SMLOG_MAILGUN_SIGNING_KEY": "short"}
    done = subprocess.run(
        [sys.executable, "-m", "smlog.cli.main", "serve", "log", "--db", str(tmp_path / "x.db")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "smlog: error: SMLOG_MAILGUN_SIGNING_KEY: at least 24 bytes outside development"
    ]
    assert not (tmp_path / "x.db").exists()  # refused before opening anything


def test_outside_development_the_console_needs_the_identity_proxy() -> None:
    production = {"SMLOG_ENV": "production", **REAL}
    with pytest.raises(ConfigError, match="SMLOG_CONSOLE_SIGN_IN: proxy outside development"):
        check_console_sign_in(Settings.load(env=production))
    check_console_sign_in(Settings.load(env={**production, "SMLOG_CONSOLE_SIGN_IN": "proxy"}))
    check_console_sign_in(Settings.load(env={}))  # development: the sign-in page is fine
