"""Magic addresses at ``simulator.smlog.test``: each forces one fate (docs/simulators.md).

A ``+tag`` is ignored (``delivered+42@simulator.smlog.test`` is ``delivered@...``), so a load
test can use as many distinct addresses per fate as it likes.
"""

from __future__ import annotations

__all__ = ["MAGIC_DOMAIN", "REQUEST_ERRORS", "fate_of", "request_error_of"]

MAGIC_DOMAIN = "simulator.smlog.test"

# local part -> the email's fate (see plans.py for the events of each)
FATES: dict[str, str] = {
    "delivered": "delivered",
    "opened": "opened",
    "clicked": "clicked",
    "complained": "complained",
    "bounced": "bounced",
    "suppressed": "suppressed",
    "tempfail": "tempfail",
    "silent": "silent",
}

# local part -> HTTP status of the whole send request that includes the address
REQUEST_ERRORS: dict[str, int] = {"rejected": 400, "error": 500, "ratelimited": 429}


def _magic_local(address: str) -> str | None:
    local, _, domain = address.lower().rpartition("@")
    if domain != MAGIC_DOMAIN:
        return None
    return local.partition("+")[0]


def fate_of(address: str) -> str | None:
    """The fate forced by a magic address, or None for the profile's mix."""
    local = _magic_local(address)
    return None if local is None else FATES.get(local)


def request_error_of(address: str) -> int | None:
    local = _magic_local(address)
    return None if local is None else REQUEST_ERRORS.get(local)
