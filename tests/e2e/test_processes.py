"""The `smlog` command as people run it: real processes, signals and exit codes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from smlog.cli.health import wait_healthy
from smlog.cli.serve import PROCESS_NAMES
from tests.e2e.conftest import StackConfig
from tests.support.processes import running_stack

pytestmark = pytest.mark.e2e


def _smlog(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smlog.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def test_sigterm_drains_and_exits_zero(stack_config: StackConfig) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "smlog.cli.main", "serve", "log", *stack_config.args,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    await wait_healthy(stack_config.settings, "log", timeout=30)
    proc.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, err.decode()
    assert b'"msg": "stopped"' in err


async def test_up_starts_every_service_healthy_and_leaves_nothing_behind(
    stack_config: StackConfig,
) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "smlog.cli.main", "up", *stack_config.args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert proc.stdout is not None
    output = b""
    while b"smlog is up" not in output:
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert line, output.decode()
        output += line
    children = _children(proc.pid)
    assert len(children) == len(PROCESS_NAMES)
    for name in PROCESS_NAMES:
        await wait_healthy(stack_config.settings, name, timeout=5)
    proc.send_signal(signal.SIGTERM)
    rest, _ = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, (output + rest).decode()
    assert not [pid for pid in children if _alive(pid)]


async def test_stack_helper_restarts_one_service(stack_config: StackConfig) -> None:
    config = stack_config
    async with running_stack(config.settings, config.args, ["log"], quiet=True) as stack:
        first = stack.procs["log"].pid
        stack.kill("log")
        await stack.restart("log")
        assert stack.procs["log"].pid != first
        await wait_healthy(stack_config.settings, "log", timeout=5)


def test_bad_flag_is_one_line() -> None:
    result = _smlog("serve", "nonsense")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_config_value_is_one_line(stack_config: StackConfig) -> None:
    result = _smlog("serve", "log", "--set", "log_port=abc")
    assert result.returncode == 2
    assert result.stderr.strip() == "smlog: error: --log-port='abc': expected int"


def test_corrupt_database_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "bad.db"
    db.write_bytes(b"garbage" * 1000)
    result = _smlog("serve", "log", "--db", str(db), "--set", "log_port=0", "--set",
                    "log_metrics_port=0")  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "bad.db" in lines[0]
    assert "not a database" in lines[0]


async def test_port_in_use_is_one_line(stack_config: StackConfig) -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        result = await asyncio.to_thread(
            _smlog, "serve", "log", *stack_config.args, "--set", f"log_port={port}"
        )
    finally:
        server.close()
        await server.wait_closed()
    assert result.returncode == 2
    assert "cannot listen on" in result.stderr
    assert "Traceback" not in result.stderr


def test_token_command_mints_a_verifiable_token(stack_config: StackConfig) -> None:
    from smlog.auth import TokenKeys, verify_token

    result = _smlog("token", "--user", "u9", "--district", "3", "--rights", "sent_message_log")
    assert result.returncode == 0, result.stderr
    caller = verify_token(result.stdout.strip(), TokenKeys.from_settings(stack_config.settings))
    assert (caller.user_id, caller.district_id) == ("u9", 3)
    bad = _smlog("token", "--user", "u9", "--district", "3", "--rights", "root")
    assert bad.returncode == 2
    assert "unknown right(s): root" in bad.stderr


async def test_a_tls_stack_serves_tls_clients_and_refuses_plaintext(tmp_path: Path) -> None:
    from smlog.cli.certs import write_dev_certs
    from smlog.cli.stackrun import private_settings

    certs = tmp_path / "certs"
    write_dev_certs(certs, ["localhost", "127.0.0.1"])
    tls = {
        "tls_cert_file": str(certs / "server.pem"),
        "tls_key_file": str(certs / "server-key.pem"),
        "tls_ca_file": str(certs / "ca.pem"),
        "grace_seconds": "2",
    }
    settings, args = private_settings(tmp_path, tls)
    # Starting waits for health, itself a TLS client of each process.
    async with running_stack(settings, args, ["dispatch", "log"], quiet=True):
        ok = await asyncio.to_thread(_smlog, "log", "list", "--json", "--dev-token", *args)
        assert ok.returncode == 0, ok.stderr
        plain = [*args, "--set", "tls_ca_file="]
        refused = await asyncio.to_thread(_smlog, "log", "list", "--dev-token", *plain)
        assert refused.returncode == 1
        assert "UNAVAILABLE" in refused.stderr
