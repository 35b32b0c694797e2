"""Authentication (bearer JWTs) and tool rights."""

from smlog.auth.context import current_caller
from smlog.auth.rights import TYPE_RIGHTS, Right, parse_rights
from smlog.auth.tokens import (
    KNOWN_SERVICES,
    Caller,
    TokenKeys,
    mint_service_token,
    mint_token,
    verify_token,
)

__all__ = [
    "KNOWN_SERVICES",
    "TYPE_RIGHTS",
    "Caller",
    "Right",
    "TokenKeys",
    "current_caller",
    "mint_service_token",
    "mint_token",
    "parse_rights",
    "verify_token",
]
