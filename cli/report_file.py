"""Where a downloaded report may be written: the server names the file, the client decides.

A report's metadata carries a file name chosen by the server. A malicious or intercepted
server could name ``/etc/cron.d/x`` or ``../../.bashrc``; so only the plain base name is used,
empty, dot and hidden names are refused, and an existing file is never replaced unless the
caller named the output path itself (``-o``). See docs/security.md.
"""

from __future__ import annotations

import os
import tempfile
import unicodedata
from pathlib import Path
from typing import BinaryIO


class ReportFileError(Exception):
    """The server's file name cannot be used, or the file already exists."""


def safe_file_name(name: str) -> str:
    """The server's name reduced to one plain file name inside the download directory."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not base or base.startswith(".") or any(_is_control(ch) for ch in base):
        raise ReportFileError(f"the server sent an unusable report file name {name!r}; use -o")
    return base


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")


def report_path(directory: Path, server_name: str) -> Path:
    """The path for a report named by the server: refused when the file exists already."""
    path = directory / safe_file_name(server_name)
    if path.exists() or path.is_symlink():
        raise ReportFileError(f"{path} exists; remove it or choose the output with -o")
    return path


def open_part(
    output: Path | None, directory: Path, server_name: str
) -> tuple[Path, Path, BinaryIO]:
    """Where the report goes, and a fresh temporary file beside it to stream into."""
    if output is None:
        directory.mkdir(parents=True, exist_ok=True)
        path = report_path(directory, server_name)
    else:
        path = output
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".report-", suffix=".part", dir=path.parent)
    return path, Path(name), open(fd, "wb")


def discard(tmp: Path | None) -> None:
    if tmp is not None:
        tmp.unlink(missing_ok=True)


def publish(tmp: Path, path: Path, *, overwrite: bool) -> None:
    """Move the finished download into place; without ``overwrite`` never replace a file
    (a hard link fails when the name exists, so a file that appeared meanwhile is kept)."""
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise ReportFileError(f"{path} exists; remove it or choose the output with -o") from None
    finally:
        tmp.unlink(missing_ok=True)
