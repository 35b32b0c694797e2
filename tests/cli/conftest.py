"""The client commands against a real stack: dispatch with the simulators
(``tests/support/dispatch.py``), and the log and reports services over the same store."""

from tests.support.dispatch import h, make  # noqa: F401 - fixtures used by these tests
