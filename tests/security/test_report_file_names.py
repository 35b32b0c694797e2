"""A report server that names the file ``/abs``, ``../x``, ``.bashrc`` or an existing file
cannot make ``smlog report`` write outside the download directory or replace a file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc import aio

from smlog.cli.report_cmd import build_request, download_report
from smlog.cli.report_file import ReportFileError, safe_file_name
from smlog.v1 import reports_pb2, reports_pb2_grpc


class NamingServer(reports_pb2_grpc.ReportServiceServicer):
    """Streams a two-chunk report under whatever file name the test chooses."""

    def __init__(self) -> None:
        self.file_name = "report.csv"

    async def BuildReport(
        self, request: reports_pb2.BuildReportRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[reports_pb2.BuildReportResponse]:
        meta = reports_pb2.ReportMetadata(file_name=self.file_name, total_rows=1)
        yield reports_pb2.BuildReportResponse(metadata=meta)
        yield reports_pb2.BuildReportResponse(chunk=b"pwned,", rows_written=0)
        yield reports_pb2.BuildReportResponse(chunk=b"1\n", rows_written=1)


@pytest.fixture
async def server() -> AsyncIterator[tuple[NamingServer, reports_pb2_grpc.ReportServiceStub]]:
    servicer = NamingServer()
    srv = aio.server()
    reports_pb2_grpc.add_ReportServiceServicer_to_server(servicer, srv)
    port = srv.add_insecure_port("127.0.0.1:0")
    await srv.start()
    async with aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield servicer, reports_pb2_grpc.ReportServiceStub(channel)
    await srv.stop(None)


REQUEST = build_request(1, "csv", None, None)


def files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() or p.is_symlink())


def plant_link(link: Path, target: Path) -> None:
    link.symlink_to(target)


def exists(path: Path) -> bool:
    return path.exists()


def content(path: Path) -> bytes:
    return path.read_bytes()


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../escape.csv", "escape.csv"),
        ("../../../tmp/escape.csv", "escape.csv"),
        ("/etc/escape.csv", "escape.csv"),
        ("..\\..\\escape.csv", "escape.csv"),
        ("sub/dir/escape.csv", "escape.csv"),
    ],
)
async def test_only_the_base_name_is_used(
    server: tuple[NamingServer, reports_pb2_grpc.ReportServiceStub],
    tmp_path: Path,
    sent: str,
    kept: str,
) -> None:
    servicer, stub = server
    servicer.file_name = sent
    downloads = tmp_path / "a" / "b" / "downloads"
    path = await download_report(stub, REQUEST, None, downloads)  # type: ignore[arg-type]
    assert path == downloads / kept
    assert content(path) == b"pwned,1\n"
    assert files(tmp_path) == [downloads / kept]


@pytest.mark.parametrize("sent", ["", ".", "..", "../", "/", ".bashrc", "a/..", "x\x00y", "a\nb"])
async def test_empty_dot_and_control_names_are_refused(
    server: tuple[NamingServer, reports_pb2_grpc.ReportServiceStub], tmp_path: Path, sent: str
) -> None:
    servicer, stub = server
    servicer.file_name = sent
    with pytest.raises(ReportFileError, match="unusable report file name"):
        await download_report(stub, REQUEST, None, tmp_path)  # type: ignore[arg-type]
    assert files(tmp_path) == []  # no partial file left behind


async def test_an_existing_file_is_never_replaced_without_output(
    server: tuple[NamingServer, reports_pb2_grpc.ReportServiceStub], tmp_path: Path
) -> None:
    servicer, stub = server
    victim = tmp_path / "precious.csv"
    victim.write_bytes(b"keep me")
    servicer.file_name = "precious.csv"
    with pytest.raises(ReportFileError, match="exists"):
        await download_report(stub, REQUEST, None, tmp_path)  # type: ignore[arg-type]
    assert content(victim) == b"keep me"
    assert files(tmp_path) == [victim]
    # A symlink planted under the server's name is not followed either.
    plant_link(tmp_path / "link.csv", tmp_path / "elsewhere.csv")
    servicer.file_name = "link.csv"
    with pytest.raises(ReportFileError, match="exists"):
        await download_report(stub, REQUEST, None, tmp_path)  # type: ignore[arg-type]
    assert not exists(tmp_path / "elsewhere.csv")
    # With -o the caller chose the path, and replacing it is what they asked for.
    assert await download_report(stub, REQUEST, victim, tmp_path) == victim  # type: ignore[arg-type]
    assert content(victim) == b"pwned,1\n"


def test_safe_file_name_keeps_ordinary_names() -> None:
    assert (
        safe_file_name("message-7-report-20260101-0900.pdf") == "message-7-report-20260101-0900.pdf"
    )
