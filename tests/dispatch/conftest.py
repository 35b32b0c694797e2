"""Dispatch tests run against the harness of ``tests/support/dispatch.py``."""

from tests.support.dispatch import h, make  # noqa: F401 - fixtures used by these tests
