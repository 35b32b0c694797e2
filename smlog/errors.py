"""Domain errors. Handlers raise these; the error interceptor turns them into gRPC statuses.

Messages are for a person to act on: INVALID_ARGUMENT names the field and why, and
PERMISSION_DENIED names the missing right. They never carry phone numbers, email addresses or
message bodies.
"""

from __future__ import annotations

import grpc


class SmlogError(Exception):
    """Base of every expected failure; ``code`` is the canonical gRPC status."""

    code: grpc.StatusCode = grpc.StatusCode.INTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgumentError(SmlogError):
    code = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class NotFoundError(SmlogError):
    code = grpc.StatusCode.NOT_FOUND


class AlreadyExistsError(SmlogError):
    code = grpc.StatusCode.ALREADY_EXISTS


class FailedPreconditionError(SmlogError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class UnauthenticatedError(SmlogError):
    code = grpc.StatusCode.UNAUTHENTICATED


class PermissionDeniedError(SmlogError):
    code = grpc.StatusCode.PERMISSION_DENIED

    def __init__(self, right: str, action: str = "") -> None:
        what = f" to {action}" if action else ""
        super().__init__(f"missing tool right '{right}'{what}")
        self.right = right


class ResourceExhaustedError(SmlogError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class UnavailableError(SmlogError):
    code = grpc.StatusCode.UNAVAILABLE


class ConfigError(Exception):
    """A bad configuration value; the CLI prints it as one line and exits non-zero."""


class StoreError(Exception):
    """The store cannot be opened or used (corrupt file, unwritable directory, ...)."""
