"""Bearer tokens: HS256 JWTs (PyJWT) carrying user, district, tool rights and expiry.

Claims: ``sub`` (user id), ``name``, ``district_id``, ``rights`` (list of right names),
``exp``, ``iat``; service identities carry ``svc`` (the calling service's name) instead of a
district and are trusted for internal RPCs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import jwt

from smlog.auth.rights import Right, parse_rights
from smlog.errors import PermissionDeniedError, UnauthenticatedError

SERVICE_TOKEN_TTL_SECONDS = 3600


@dataclass(frozen=True)
class Caller:
    """Who is calling, as the verified token says."""

    user_id: str
    display_name: str = ""
    district_id: int = 0
    rights: frozenset[Right] = field(default_factory=frozenset)
    service: str = ""

    @property
    def is_service(self) -> bool:
        return bool(self.service)

    def has(self, right: Right) -> bool:
        return self.is_service or right in self.rights

    def require(self, right: Right, action: str = "") -> None:
        if not self.has(right):
            raise PermissionDeniedError(right.value, action)

    def require_service(self, action: str) -> None:
        if not self.is_service:
            raise PermissionDeniedError("service identity", action)


def mint_token(
    secret: str,
    *,
    user_id: str,
    district_id: int,
    rights: list[str] | tuple[str, ...],
    name: str = "",
    ttl_seconds: float = 8 * 3600,
    algorithm: str = "HS256",
) -> str:
    parse_rights(rights)
    now = int(time.time())
    claims = {
        "sub": user_id,
        "name": name or user_id,
        "district_id": district_id,
        "rights": list(rights),
        "iat": now,
        "exp": now + int(ttl_seconds),
    }
    return jwt.encode(claims, secret, algorithm=algorithm)


def mint_service_token(secret: str, service: str, algorithm: str = "HS256") -> str:
    now = int(time.time())
    claims = {"sub": f"service:{service}", "svc": service, "iat": now}
    claims["exp"] = now + SERVICE_TOKEN_TTL_SECONDS
    return jwt.encode(claims, secret, algorithm=algorithm)


def verify_token(token: str, secret: str, algorithm: str = "HS256") -> Caller:
    """The caller a token names; UnauthenticatedError for an expired, forged or bad token."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[algorithm], options={"require": ["exp", "sub"]}
        )
    except jwt.ExpiredSignatureError:
        raise UnauthenticatedError("token expired") from None
    except jwt.InvalidSignatureError:
        raise UnauthenticatedError("token signature is invalid") from None
    except jwt.InvalidTokenError as exc:
        raise UnauthenticatedError(f"invalid token: {exc}") from None
    if claims.get("svc"):
        return Caller(user_id=str(claims["sub"]), service=str(claims["svc"]))
    try:
        rights = parse_rights(list(claims.get("rights", [])))
        district_id = int(claims["district_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise UnauthenticatedError(f"invalid token claims: {exc}") from None
    return Caller(
        user_id=str(claims["sub"]),
        display_name=str(claims.get("name", claims["sub"])),
        district_id=district_id,
        rights=rights,
    )
