"""A PostgreSQL server of a test's own, for faults the shared server must never see (stopping
and restarting it): ``initdb`` into a temp folder, ``pg_ctl`` on a free port, removed after.

The binaries come from PATH or ``/usr/lib/postgresql/<version>/bin``. Without them the test is
skipped with a plain reason, except in CI (``CI=true``), where that is an error. PostgreSQL
refuses to run as root: when the tests do, the server runs as the ``postgres`` system user.
"""

from __future__ import annotations

import asyncio
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from smlog.runtime.tasks import free_port

SKIP_REASON = "private PostgreSQL server test skipped: initdb and pg_ctl not found"
_RUN_AS = "postgres"


def _binaries() -> Path | None:
    """The folder holding initdb and pg_ctl."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


class PrivatePostgres:
    def __init__(self, bin_dir: Path, root: Path, port: int) -> None:
        self._bin = bin_dir
        self._root = root
        self.port = port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        self._user = _RUN_AS if os.geteuid() == 0 else None
        self.running = False

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [str(self._bin / tool), *args],
            check=True,
            capture_output=True,
            user=self._user,
            timeout=60,
        )

    def init(self) -> None:
        self._run(
            "initdb", "-D", str(self._root / "data"), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--no-sync",
        )  # fmt: skip

    async def start(self) -> None:
        options = (
            f"-p {self.port} -k {self._root} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c max_connections=200"
        )
        await asyncio.to_thread(
            self._run, "pg_ctl", "-D", str(self._root / "data"), "-l",
            str(self._root / "server.log"), "-o", options, "-w", "start",
        )  # fmt: skip
        self.running = True

    async def stop(self) -> None:
        await asyncio.to_thread(
            self._run, "pg_ctl", "-D", str(self._root / "data"), "-m", "fast", "-w", "stop"
        )
        self.running = False


@asynccontextmanager
async def private_postgres() -> AsyncIterator[PrivatePostgres]:
    """A started server of the test's own, stopped and removed afterwards."""
    bin_dir = _binaries()
    if bin_dir is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("initdb and pg_ctl are missing: CI must run the private-server tests")
        pytest.skip(SKIP_REASON)
    root = Path(tempfile.mkdtemp(prefix="smlog-pg-"))
    server = PrivatePostgres(bin_dir, root, free_port())
    if os.geteuid() == 0:
        entry = pwd.getpwnam(_RUN_AS)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    try:
        await asyncio.to_thread(server.init)
        await server.start()
        try:
            yield server
        finally:
            if server.running:
                await server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
