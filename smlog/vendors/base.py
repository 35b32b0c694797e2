"""Channel base classes and the vendor exceptions every caller handles.

One small base class per channel (as GOV.UK Notify's ``app/clients``): a vendor module
implements the channels it offers. Vendor failures are re-raised as our own types, so
callers map them to device statuses without knowing any vendor:

- ``VendorRejected``: the vendor refused the request (HTTP 4xx); final, status Error.
- ``VendorFailed``: the vendor failed (5xx, 429, timeouts, connection errors) and every retry
  of the request failed too; the caller may try again later with the same idempotency key
  (dispatch holds it until its retry horizon, then Vendor Error).
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "EmailClient",
    "EmailRecipient",
    "TextClient",
    "VendorError",
    "VendorFailed",
    "VendorRejected",
    "VoiceClient",
]


class VendorError(Exception):
    """Base of vendor failures. Messages carry codes and reasons, never addresses or bodies."""

    def __init__(self, vendor: str, message: str) -> None:
        super().__init__(f"{vendor}: {message}")
        self.vendor = vendor
        self.message = message


class VendorRejected(VendorError):
    """The vendor refused the request (HTTP 4xx): retrying the same request cannot help."""

    def __init__(self, vendor: str, http_status: int, code: str, message: str) -> None:
        super().__init__(vendor, f"HTTP {http_status} {code}: {message}")
        self.http_status = http_status
        self.code = code
        self.detail = message


class VendorFailed(VendorError):
    """The vendor failed and the retries ran out (5xx, 429, timeout, connection)."""

    def __init__(
        self,
        vendor: str,
        reason: str,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(vendor, f"{reason} after retries")
        self.reason = reason
        self.http_status = http_status
        self.retry_after = retry_after  # the vendor's Retry-After (seconds), if it sent one

    @property
    def code(self) -> str:
        return str(self.http_status) if self.http_status is not None else self.reason


class VoiceClient(abc.ABC):
    """Places voice calls that speak a script; the outcome arrives later by callback."""

    @abc.abstractmethod
    async def place_call(
        self,
        *,
        to: str,
        extension: str,
        say: str,
        idempotency_key: str,
        status_callback: str,
        from_: str | None = None,
    ) -> str:
        """The vendor's call id. Raises VendorRejected or VendorFailed."""

    @abc.abstractmethod
    async def close(self) -> None: ...


class TextClient(abc.ABC):
    """Sends texts (SMS); delivery reports arrive later by callback."""

    @abc.abstractmethod
    async def send_text(
        self,
        *,
        to: str,
        body: str,
        idempotency_key: str,
        status_callback: str,
        from_: str | None = None,
    ) -> str:
        """The vendor's message id. Raises VendorRejected or VendorFailed."""

    @abc.abstractmethod
    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class EmailRecipient:
    """One address of an email batch and the attempt it stands for."""

    address: str
    attempt_id: int


class EmailClient(abc.ABC):
    """Relays one email to a batch of recipients in one request."""

    max_batch: int = 1000

    @abc.abstractmethod
    async def send_batch(
        self,
        *,
        recipients: Sequence[EmailRecipient],
        subject: str,
        text: str,
        idempotency_key: str,
        html: str | None = None,
    ) -> str:
        """The vendor's id of the accepted batch. Raises VendorRejected or VendorFailed."""

    @abc.abstractmethod
    async def close(self) -> None: ...
