"""The server's cross-cutting concerns, written once for every service and every RPC kind.

``ServerInterceptor`` wraps each handler so that, per call:
1. metrics: ``smlog_grpc_server_handled_total`` and ``..._handling_seconds`` are recorded;
2. auth: the ``authorization: Bearer <JWT>`` metadata is verified and the caller is made
   available through ``smlog.auth.current_caller()`` (health and reflection are public);
3. errors: a ``SmlogError`` becomes its canonical status with its message; anything else is
   logged and answered INTERNAL without detail.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import grpc
from grpc import aio

from smlog.auth.context import set_caller
from smlog.auth.tokens import Caller, TokenKeys, verify_token
from smlog.errors import SmlogError, UnauthenticatedError
from smlog.runtime.metrics import RPC_HANDLED, RPC_LATENCY

log = logging.getLogger("smlog.rpc")

PUBLIC_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")


def _split(method: str) -> tuple[str, str]:
    _, service, name = method.split("/", 2)
    return service, name


class _Call:
    """One RPC's bookkeeping: authenticate, map errors, record metrics."""

    def __init__(self, interceptor: ServerInterceptor, method: str) -> None:
        self.interceptor = interceptor
        self.method = method
        self.service, self.name = _split(method)
        self.code = grpc.StatusCode.OK
        self.start = time.perf_counter()

    def authenticate(self, context: aio.ServicerContext[Any, Any]) -> None:
        if self.method.startswith(PUBLIC_PREFIXES):
            return
        header = ""
        for key, value in context.invocation_metadata() or ():
            if key == "authorization":
                header = value if isinstance(value, str) else value.decode()
        if not header.startswith("Bearer "):
            raise UnauthenticatedError("missing 'authorization: Bearer <token>' metadata")
        set_caller(self.interceptor.verify(header[len("Bearer ") :].strip()))

    async def fail(self, context: aio.ServicerContext[Any, Any], exc: BaseException) -> None:
        if isinstance(exc, SmlogError):
            self.code = exc.code
            await context.abort(exc.code, exc.message)
        if isinstance(exc, asyncio.CancelledError):
            self.code = grpc.StatusCode.CANCELLED
            raise exc
        if isinstance(exc, aio.AbortError):
            self.code = context.code() or grpc.StatusCode.UNKNOWN
            raise exc
        self.code = grpc.StatusCode.INTERNAL
        log.error("unhandled error in %s", self.method, exc_info=exc)
        await context.abort(grpc.StatusCode.INTERNAL, "internal error")

    def done(self) -> None:
        RPC_HANDLED.labels(self.service, self.name, self.code.name).inc()
        RPC_LATENCY.labels(self.service, self.name).observe(time.perf_counter() - self.start)


def _unary_response(
    interceptor: ServerInterceptor, method: str, behavior: Callable[..., Awaitable[Any]]
) -> Callable[..., Awaitable[Any]]:
    async def wrapped(request: Any, context: aio.ServicerContext[Any, Any]) -> Any:
        call = _Call(interceptor, method)
        try:
            call.authenticate(context)
            return await behavior(request, context)
        except BaseException as exc:
            await call.fail(context, exc)
            raise
        finally:
            call.done()

    return wrapped


def _stream_response(
    interceptor: ServerInterceptor, method: str, behavior: Callable[..., AsyncIterator[Any]]
) -> Callable[..., AsyncIterator[Any]]:
    async def wrapped(request: Any, context: aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
        call = _Call(interceptor, method)
        try:
            call.authenticate(context)
            async for response in behavior(request, context):
                yield response
        except BaseException as exc:
            await call.fail(context, exc)
            raise
        finally:
            call.done()

    return wrapped


if TYPE_CHECKING:  # generic in the stubs only
    _Base = aio.ServerInterceptor[Any, Any]
else:
    _Base = aio.ServerInterceptor


class ServerInterceptor(_Base):
    def __init__(self, keys: TokenKeys) -> None:
        self._keys = keys

    def verify(self, token: str) -> Caller:
        return verify_token(token, self._keys)

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any]]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any]:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        method: str = handler_call_details.method
        kinds: dict[str, Callable[..., grpc.RpcMethodHandler[Any, Any]]] = {
            "unary_unary": grpc.unary_unary_rpc_method_handler,
            "stream_unary": grpc.stream_unary_rpc_method_handler,
            "unary_stream": grpc.unary_stream_rpc_method_handler,
            "stream_stream": grpc.stream_stream_rpc_method_handler,
        }
        for kind, make in kinds.items():
            behavior = getattr(handler, kind)
            if behavior is None:
                continue
            wrap = _stream_response if kind.endswith("_stream") else _unary_response
            return make(
                wrap(self, method, behavior),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler
