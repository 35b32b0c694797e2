"""The client commands against a real stack: dispatch with the simulators (tests/dispatch),
and the log and reports services over the same store."""

from tests.dispatch.conftest import h, make  # noqa: F401 - fixtures used by these tests
