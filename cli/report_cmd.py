"""``smlog report ID --format pdf|csv|docx``: Build Report to a file, with a progress bar."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from smlog.cli.connect import add_client_flags, client_channel
from smlog.cli.log_cmd import parse_enums
from smlog.cli.report_file import discard, open_part, publish
from smlog.runtime import LONG_STREAM_SECONDS
from smlog.v1 import common_pb2, reports_pb2, reports_pb2_grpc

FORMATS = {
    "pdf": reports_pb2.REPORT_FORMAT_PDF,
    "csv": reports_pb2.REPORT_FORMAT_CSV,
    "docx": reports_pb2.REPORT_FORMAT_DOCX,
}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("report", help="build a message's report (PDF, CSV or DOCX)")
    p.add_argument("message_id", type=int)
    p.add_argument("--format", choices=list(FORMATS), default="pdf")
    p.add_argument("--mode", dest="modes", action="append", help="delivery mode (default: All)")
    p.add_argument("--status", dest="statuses", action="append", help="status (default: All)")
    p.add_argument("-o", "--output", type=Path, help="file (default: the report's own name)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_client_flags(p)
    p.set_defaults(run=lambda a: asyncio.run(_report(a)))


def build_request(
    message_id: int, fmt: str, modes: list[str] | None, statuses: list[str] | None
) -> reports_pb2.BuildReportRequest:
    request = reports_pb2.BuildReportRequest(message_id=message_id, format=FORMATS[fmt])
    if modes is not None:
        request.delivery_modes.delivery_modes.extend(
            parse_enums(common_pb2.DeliveryMode, "DELIVERY_MODE_", modes, "--mode")
        )
    if statuses is not None:
        request.statuses.statuses.extend(
            parse_enums(common_pb2.DeviceStatus, "DEVICE_STATUS_", statuses, "--status")
        )
    return request


async def download_report(
    stub: reports_pb2_grpc.ReportServiceAsyncStub,
    request: reports_pb2.BuildReportRequest,
    output: Path | None,
    directory: Path = Path(),
    progress: Progress | None = None,
) -> Path:
    """Stream a report into a file (written to a temp name, renamed when complete).

    Without ``output`` the file takes the plain base name the server sent, inside
    ``directory``, and never replaces an existing file (cli/report_file.py)."""
    path: Path | None = output
    tmp: Path | None = None
    task = None
    handle = None
    try:
        async for response in stub.BuildReport(request, timeout=LONG_STREAM_SECONDS):
            if response.HasField("metadata") and handle is None:
                path, tmp, handle = open_part(output, directory, response.metadata.file_name)
                if progress is not None:
                    task = progress.add_task(path.name, total=response.metadata.total_rows)
            if handle is not None and response.chunk:
                handle.write(response.chunk)
            if progress is not None and task is not None:
                progress.update(task, completed=response.rows_written)
    except BaseException:
        discard(tmp)
        raise
    finally:
        if handle is not None:
            handle.close()
    if path is None or tmp is None:
        raise RuntimeError("the report stream ended without metadata")
    publish(tmp, path, overwrite=output is not None)
    return path


async def _report(args: argparse.Namespace) -> int:
    request = build_request(args.message_id, args.format, args.modes, args.statuses)
    channel, _ = client_channel(args, "reports")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("rows"), TimeElapsedColumn())  # fmt: skip
    async with channel:
        stub = reports_pb2_grpc.ReportServiceStub(channel)
        if args.quiet or args.json:
            path = await download_report(stub, request, args.output)
        else:
            with Progress(*columns) as progress:
                path = await download_report(stub, request, args.output, progress=progress)
    print(path)
    return 0
