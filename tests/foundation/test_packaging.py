"""Installing the project puts only ``smlog`` on the import path, and the shared core stays
free of service code (``smlog/__init__.py``)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAPPED = ("services", "simulators", "cli", "bench")


def _source_copy(into: Path) -> Path:
    """What the wheel is built from, copied with its links: building in the checkout would
    leave a ``build/`` folder whose stale files the next build would pack."""
    source = into / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("smlog", *MAPPED):
        shutil.copytree(ROOT / name, source / name, symlinks=True, ignore=ignore)
    return source


def test_the_wheel_holds_only_the_smlog_package(tmp_path: Path) -> None:
    build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
    subprocess.run(
        [*build, "-w", str(tmp_path), str(_source_copy(tmp_path))],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("smlog-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"smlog"}
    # The mapped folders arrive whole, data files included.
    for path in (
        "smlog/services/dispatch/service.py",
        "smlog/services/reports/fonts/LICENSE",
        "smlog/services/console/templates/base.html",
        "smlog/simulators/voxology/process.py",
        "smlog/cli/main.py",
        "smlog/bench/command.py",
        "smlog/store/sql/0001_initial.sql",
    ):
        assert path in names, path
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "smlog = smlog.cli.main:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_mapped_folders_are_links_to_the_top_level_ones() -> None:
    for name in MAPPED:
        link = ROOT / "smlog" / name
        assert link.is_symlink(), link
        assert link.resolve() == (ROOT / name).resolve()


def _core_modules() -> list[Path]:
    core = ROOT / "smlog"
    return [
        path
        for path in core.rglob("*.py")
        if path.relative_to(core).parts[0] not in MAPPED and "_pb2" not in path.name
    ]


def test_the_shared_core_never_imports_service_code() -> None:
    forbidden = tuple(f"smlog.{name}" for name in MAPPED)
    offenders: list[str] = []
    modules = _core_modules()
    assert len(modules) > 50
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            offenders += [
                f"{path.relative_to(ROOT)}: {name}"
                for name in names
                if name.startswith(forbidden) or name.split(".")[0] in MAPPED
            ]
    assert offenders == []
