from __future__ import annotations

import pytest

from smlog.config import Settings
from smlog.errors import ConfigError


def test_defaults_run_locally() -> None:
    s = Settings.load(env={})
    assert (s.dispatch_port, s.status_port, s.log_port, s.reports_port) == (
        50051,
        50052,
        50053,
        50054,
    )
    assert s.target("log") == "127.0.0.1:50053"
    assert s.metrics_port("voxology-sim") == 9105


def test_environment_then_overrides() -> None:
    s = Settings.load(
        env={"SMLOG_LOG_PORT": "6000", "SMLOG_REDIAL_WAIT_SECONDS": "2.5"},
        overrides={"log_port": "6001"},
    )
    assert s.log_port == 6001
    assert s.redial_wait_seconds == 2.5


@pytest.mark.parametrize(
    ("env", "overrides", "message"),
    [
        ({"SMLOG_LOG_PORT": "abc"}, {}, "SMLOG_LOG_PORT='abc': expected int"),
        ({"SMLOG_LOG_PORT": "70000"}, {}, "not a port"),
        ({}, {"nonsense": "1"}, "unknown setting 'nonsense'"),
        ({"SMLOG_LOG_FORMAT": "xml"}, {}, "expected json or text"),
        ({"SMLOG_REDIAL_WAIT_SECONDS": "-1"}, {}, "must not be negative"),
        ({"SMLOG_JWT_SECRET": "short"}, {}, "at least 32 bytes"),
    ],
)
def test_bad_values_name_the_setting(
    env: dict[str, str], overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.load(env=env, overrides=overrides)
