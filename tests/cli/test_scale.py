"""``smlog up --scale``: several dispatch workers on PostgreSQL, refused on SQLite."""

from __future__ import annotations

import pytest

from smlog.cli.up import parse_scale, scaled
from smlog.config import Settings
from smlog.errors import ConfigError

PG = "postgresql://smlog@db:5432/smlog"


def test_scale_names_extra_dispatch_workers_on_their_own_ports() -> None:
    settings = Settings.load(env={}, overrides={"db_url": PG})
    instances = scaled(settings, parse_scale(["dispatch=3"]))
    assert [(i.name, i.service) for i in instances] == [
        ("dispatch-2", "dispatch"),
        ("dispatch-3", "dispatch"),
    ]
    assert [dict(i.overrides) for i in instances] == [
        {"dispatch_port": 50151, "dispatch_metrics_port": 9201},
        {"dispatch_port": 50251, "dispatch_metrics_port": 9301},
    ]
    assert scaled(settings, {"dispatch": 1}) == []


def test_sqlite_supports_one_dispatch_process() -> None:
    settings = Settings.load(env={}, overrides={})
    assert scaled(settings, {"dispatch": 1}) == []
    with pytest.raises(ConfigError, match="SQLite supports one dispatch process"):
        scaled(settings, {"dispatch": 2})


@pytest.mark.parametrize(
    ("items", "words"),
    [(["dispatch"], "expected SERVICE=N"), (["dispatch=x"], "expected SERVICE=N")],
)
def test_a_malformed_scale_is_refused(items: list[str], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        parse_scale(items)


def test_only_dispatch_scales() -> None:
    settings = Settings.load(env={}, overrides={"db_url": PG})
    with pytest.raises(ConfigError, match="only dispatch"):
        scaled(settings, {"status": 2})
