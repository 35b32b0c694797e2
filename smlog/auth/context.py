"""The verified caller of the current RPC, set by the auth interceptor."""

from __future__ import annotations

from contextvars import ContextVar

from smlog.auth.tokens import Caller
from smlog.errors import UnauthenticatedError

_CALLER: ContextVar[Caller | None] = ContextVar("smlog_caller", default=None)


def current_caller() -> Caller:
    caller = _CALLER.get()
    if caller is None:
        raise UnauthenticatedError("no caller for this call")
    return caller


def set_caller(caller: Caller | None) -> None:
    _CALLER.set(caller)
