"""Settings for a command: environment first, then ``--db`` and ``--set KEY=VALUE`` flags."""

from __future__ import annotations

import argparse
from typing import Any

from smlog.config import Settings
from smlog.errors import ConfigError


def settings_from_args(args: argparse.Namespace, **extra: Any) -> Settings:
    overrides: dict[str, Any] = {}
    for item in getattr(args, "overrides", []) or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE")
        overrides[key.strip().replace("-", "_")] = value
    if getattr(args, "db_path", None):
        overrides["db_path"] = args.db_path
    if getattr(args, "db_url", None):
        overrides["db_url"] = args.db_url
    overrides.update({k: v for k, v in extra.items() if v is not None})
    return Settings.load(overrides=overrides)
