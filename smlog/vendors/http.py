"""One retrying JSON request to a vendor: deadline per try, tenacity backoff with jitter.

Timeouts, connection errors, 429 (honouring ``Retry-After``) and 5xx are retried with the same
request (and so the same idempotency key); 4xx is final (``VendorRejected``); retries
exhausted raise ``VendorFailed``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import aiohttp
from tenacity import RetryCallState, wait_random_exponential

from smlog.config import Settings
from smlog.vendors.base import VendorFailed, VendorRejected
from smlog.vendors.metrics import VENDOR_REQUEST_ERRORS, VENDOR_REQUEST_LATENCY, VENDOR_REQUESTS

__all__ = ["RetryPolicy", "VendorHttp"]

_MAX_RETRY_AFTER = 60.0


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: ``tries`` HTTP tries in all, each within ``timeout`` seconds, all
    within ``deadline`` seconds; waits grow exponentially from ``initial`` up to ``maximum``,
    randomized (full jitter)."""

    tries: int = 6
    timeout: float = 5.0
    deadline: float = 60.0
    initial: float = 0.2
    maximum: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            tries=settings.vendor_max_retries + 1,
            timeout=settings.vendor_timeout_seconds,
            deadline=settings.vendor_deadline_seconds,
            initial=settings.vendor_backoff_initial_seconds,
            maximum=settings.vendor_backoff_max_seconds,
        )


class _Retryable(Exception):
    def __init__(self, kind: str, http_status: int | None = None, retry_after: float | None = None):
        super().__init__(kind)
        self.kind = kind
        self.http_status = http_status
        self.retry_after = retry_after


def _retry_after(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        return min(max(float(raw), 0.0), _MAX_RETRY_AFTER)
    except ValueError:
        return None


class _Wait:
    """``Retry-After`` when the vendor sent one, else tenacity's exponential backoff with full
    jitter for the try that failed."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._backoff = wait_random_exponential(multiplier=policy.initial, max=policy.maximum)
        self._state = RetryCallState(cast(Any, None), None, (), {})

    def after(self, failed_try: int, exc: _Retryable) -> float:
        if exc.retry_after is not None:
            return exc.retry_after
        self._state.attempt_number = failed_try
        return float(self._backoff(self._state))


class VendorHttp:
    """Requests to one vendor through one pooled ``aiohttp`` session."""

    def __init__(
        self,
        vendor: str,
        base_url: str,
        policy: RetryPolicy,
        *,
        headers: Mapping[str, str],
        connections: int = 100,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.vendor = vendor
        self.base_url = base_url.rstrip("/")
        self.policy = policy
        self._headers = dict(headers)
        self._connections = connections
        self._session = session
        self._owns_session = session is None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._connections, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def close(self) -> None:
        if self._session is not None and self._owns_session:
            await self._session.close()
        self._session = None

    async def post(
        self,
        path: str,
        operation: str,
        *,
        headers: Mapping[str, str],
        json: Any = None,
        data: Any = None,
    ) -> dict[str, Any]:
        """The decoded JSON answer of a 2xx; VendorRejected on 4xx; VendorFailed when every
        retry failed.

        Tries stop after ``policy.tries`` or once ``policy.deadline`` seconds have passed since
        the first began; the wait before the next try is ``_Wait``'s. The retry state is only
        built when a try failed: the first try, which nearly always succeeds, costs one
        request and nothing else (a tenacity ``AsyncRetrying`` per request was 7 % of
        dispatch's CPU in the dispatch benchmark)."""
        started = time.monotonic()
        wait: _Wait | None = None
        number = 1
        while True:
            try:
                return await self._once(path, operation, headers, json, data)
            except _Retryable as exc:
                if (
                    number >= self.policy.tries
                    or time.monotonic() - started >= self.policy.deadline
                ):
                    raise VendorFailed(
                        self.vendor, exc.kind, exc.http_status, exc.retry_after
                    ) from None
                wait = wait or _Wait(self.policy)
                await asyncio.sleep(wait.after(number, exc))
            number += 1

    async def _once(
        self, path: str, operation: str, headers: Mapping[str, str], json: Any, data: Any
    ) -> dict[str, Any]:
        started = time.perf_counter()
        labels = (self.vendor, operation)
        try:
            async with self._client().post(
                f"{self.base_url}{path}",
                headers={**self._headers, **headers},
                json=json,
                data=data,
                timeout=aiohttp.ClientTimeout(total=self.policy.timeout),
            ) as response:
                status = response.status
                body = await _decode(response)
                retry_after = _retry_after(response.headers.get("Retry-After"))
        except TimeoutError:
            self._error(labels, "timeout")
            raise _Retryable("timeout") from None
        except (aiohttp.ClientError, asyncio.IncompleteReadError):
            self._error(labels, "connection")
            raise _Retryable("connection") from None
        finally:
            VENDOR_REQUEST_LATENCY.labels(*labels).observe(time.perf_counter() - started)
        if 200 <= status < 300:
            VENDOR_REQUESTS.labels(*labels, "ok").inc()
            return body
        if status == 429:
            self._error(labels, "http_429")
            raise _Retryable("rate limited", status, retry_after)
        if status >= 500:
            self._error(labels, "http_5xx")
            raise _Retryable("server error", status)
        self._error(labels, "http_4xx")
        code, message = _error_of(body)
        raise VendorRejected(self.vendor, status, code, message)

    @staticmethod
    def _error(labels: tuple[str, str], kind: str) -> None:
        VENDOR_REQUESTS.labels(*labels, "error").inc()
        VENDOR_REQUEST_ERRORS.labels(*labels, kind).inc()


async def _decode(response: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        body = await response.json(content_type=None)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error_of(body: dict[str, Any]) -> tuple[str, str]:
    """(code, message) of a vendor error body: Voxology nests them, Mailgun has a message."""
    error = body.get("error")
    if isinstance(error, dict):
        return str(error.get("code", "")), str(error.get("message", ""))[:300]
    return "", str(body.get("message", ""))[:300]
