"""Outgoing gRPC calls: a channel whose every call has a deadline and carries credentials."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import grpc
from grpc import aio

from smlog.auth.tokens import mint_service_token

MAX_MESSAGE_BYTES = 4 * 1024 * 1024
# The deadline for long server streams (WatchMessage, BuildReport). ``timeout=None`` on a call
# means "the channel default", so long streams pass this instead.
LONG_STREAM_SECONDS = 24 * 3600.0


if TYPE_CHECKING:  # the stubs make these generic; at run time they are plain classes
    _UnaryUnary = aio.UnaryUnaryClientInterceptor[Any, Any]
    _UnaryStream = aio.UnaryStreamClientInterceptor[Any, Any]
    _StreamUnary = aio.StreamUnaryClientInterceptor[Any, Any]
    _StreamStream = aio.StreamStreamClientInterceptor[Any, Any]
else:
    _UnaryUnary = aio.UnaryUnaryClientInterceptor
    _UnaryStream = aio.UnaryStreamClientInterceptor
    _StreamUnary = aio.StreamUnaryClientInterceptor
    _StreamStream = aio.StreamStreamClientInterceptor


class _Defaults:
    """Adds a default deadline and the bearer token to calls that lack them.

    grpc.aio files each interceptor under the first call kind it matches (an if/elif chain),
    so there is one subclass per call kind and ``open_channel`` registers all four.
    """

    def __init__(self, timeout: float | None, token: Callable[[], str] | None) -> None:
        self._timeout = timeout
        self._token = token

    def _details(self, details: aio.ClientCallDetails) -> aio.ClientCallDetails:
        metadata = aio.Metadata(*(details.metadata or ()))
        if self._token is not None and "authorization" not in metadata:
            metadata.add("authorization", f"Bearer {self._token()}")
        timeout = details.timeout if details.timeout is not None else self._timeout
        return aio.ClientCallDetails(
            details.method, timeout, metadata, details.credentials, details.wait_for_ready
        )


class _DefaultsUnaryUnary(_Defaults, _UnaryUnary):
    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


class _DefaultsUnaryStream(_Defaults, _UnaryStream):
    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


class _DefaultsStreamUnary(_Defaults, _StreamUnary):
    async def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await continuation(self._details(details), requests)


class _DefaultsStreamStream(_Defaults, _StreamStream):
    async def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await continuation(self._details(details), requests)


_PER_KIND = (_DefaultsUnaryUnary, _DefaultsUnaryStream, _DefaultsStreamUnary, _DefaultsStreamStream)


def open_channel(
    target: str,
    *,
    timeout: float | None = 10.0,
    token: str | Callable[[], str] | None = None,
    tls: grpc.ChannelCredentials | None = None,
) -> aio.Channel:
    """A channel with a default deadline and the bearer token on every call: over TLS with
    ``tls`` (``smlog.runtime.tls.channel_credentials(settings)``), else plaintext (loopback
    or a private network; docs/security.md).

    Streams that run for long (WatchMessage, BuildReport) pass ``timeout=LONG_STREAM_SECONDS``.
    """
    provider = (lambda: token) if isinstance(token, str) else token
    interceptors = [cast(Any, kind(timeout, provider)) for kind in _PER_KIND]
    options = [
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ]
    if tls is not None:
        return aio.secure_channel(target, tls, interceptors=interceptors, options=options)
    return aio.insecure_channel(target, interceptors=interceptors, options=options)


class ServiceTokens:
    """Service-identity tokens, re-minted before they expire."""

    def __init__(self, secret: str, service: str, algorithm: str = "HS256") -> None:
        self._secret = secret
        self._service = service
        self._algorithm = algorithm
        self._token = ""
        self._minted = 0.0

    def __call__(self) -> str:
        now = time.monotonic()
        if not self._token or now - self._minted > 1800:
            self._token = mint_service_token(self._secret, self._service, self._algorithm)
            self._minted = now
        return self._token
