"""Bearer tokens: HS256 JWTs (PyJWT), one kind for users and one for services.

User tokens (minted by the portal, or ``smlog token`` in development) are signed with
``jwt_secret`` and carry ``iss`` = ``smlog``, ``aud`` = ``smlog-user``, ``sub`` (user id),
``name``, ``district_id`` (a positive integer), ``rights`` (a list of known right names),
``iat`` and ``exp``.

Service tokens (one service calling another) are signed with their own key,
``service_jwt_secret``, and carry ``aud`` = ``smlog-service`` and ``svc``, a known service
name; a service caller is trusted across districts, so a user token can never become one:
another key, another audience, and a user token with a ``svc`` claim is refused. Every claim
is checked for its type; ``true``, ``1.9``, ``"1"`` or ``-5`` is not a district. See
docs/security.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jwt

from smlog.auth.rights import Right, parse_rights
from smlog.errors import PermissionDeniedError, UnauthenticatedError

if TYPE_CHECKING:
    from smlog.config import Settings

SERVICE_TOKEN_TTL_SECONDS = 3600
ISSUER = "smlog"
USER_AUDIENCE = "smlog-user"
SERVICE_AUDIENCE = "smlog-service"
# The identities that may hold a service token: the four services, the load-test driver that
# feeds status events straight to the status service, and operator tooling (setting a
# district's SMS short code, private stacks) run by whoever holds the service key.
KNOWN_SERVICES = frozenset({"dispatch", "status", "log", "reports", "loadtest", "operator"})


@dataclass(frozen=True)
class Caller:
    """Who is calling, as the verified token says."""

    user_id: str
    display_name: str = ""
    district_id: int = 0
    rights: frozenset[Right] = field(default_factory=frozenset)
    service: str = ""
    expires_at: float = 0.0  # unix seconds; 0 = never (callers built in tests)

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

    def expired(self, now: float | None = None) -> bool:
        return bool(self.expires_at) and (time.time() if now is None else now) >= self.expires_at


@dataclass(frozen=True)
class TokenKeys:
    """What verifies tokens: the user key, the service key and the algorithm."""

    user_secret: str
    service_secret: str
    algorithm: str = "HS256"

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenKeys:
        return cls(settings.jwt_secret, settings.service_jwt_secret, settings.jwt_algorithm)


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
    """A user token; ValueError for an unknown right or a district that is not positive."""
    parse_rights(rights)
    if isinstance(district_id, bool) or not isinstance(district_id, int) or district_id <= 0:
        raise ValueError(f"district must be a positive integer, not {district_id!r}")
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": USER_AUDIENCE,
        "sub": user_id,
        "name": name or user_id,
        "district_id": district_id,
        "rights": list(rights),
        "iat": now,
        "exp": now + int(ttl_seconds),
    }
    return jwt.encode(claims, secret, algorithm=algorithm)


def mint_service_token(secret: str, service: str, algorithm: str = "HS256") -> str:
    """A service token, signed with the *service* key; ValueError for an unknown service."""
    if service not in KNOWN_SERVICES:
        raise ValueError(f"unknown service {service!r}; known: {', '.join(sorted(KNOWN_SERVICES))}")
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": SERVICE_AUDIENCE,
        "sub": f"service:{service}",
        "svc": service,
        "iat": now,
        "exp": now + SERVICE_TOKEN_TTL_SECONDS,
    }
    return jwt.encode(claims, secret, algorithm=algorithm)


def _decode(token: str, secret: str, algorithm: str, audience: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[algorithm],
            audience=audience,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise UnauthenticatedError("token expired") from None
    except jwt.InvalidSignatureError:
        raise UnauthenticatedError("token signature is invalid") from None
    except jwt.InvalidTokenError as exc:
        raise UnauthenticatedError(f"invalid token: {exc}") from None
    return claims


def _audience(token: str) -> str:
    """The audience the token claims, read before verifying to pick the key (the key and the
    audience are then both verified: a claim alone decides nothing)."""
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise UnauthenticatedError(f"invalid token: {exc}") from None
    audience = unverified.get("aud")
    return audience if isinstance(audience, str) else ""


def verify_token(token: str, keys: TokenKeys) -> Caller:
    """The caller a token names; UnauthenticatedError for an expired, forged or bad token."""
    if _audience(token) == SERVICE_AUDIENCE:
        return _service_caller(
            _decode(token, keys.service_secret, keys.algorithm, SERVICE_AUDIENCE)
        )
    return _user_caller(_decode(token, keys.user_secret, keys.algorithm, USER_AUDIENCE))


def _service_caller(claims: dict[str, Any]) -> Caller:
    service = claims.get("svc")
    if not isinstance(service, str) or service not in KNOWN_SERVICES:
        raise UnauthenticatedError("invalid token claims: svc is not a known service")
    if claims["sub"] != f"service:{service}":
        raise UnauthenticatedError("invalid token claims: sub does not name the service")
    return Caller(user_id=claims["sub"], service=service, expires_at=float(claims["exp"]))


def _user_caller(claims: dict[str, Any]) -> Caller:
    if "svc" in claims:
        raise UnauthenticatedError("invalid token claims: a user token cannot name a service")
    sub = claims["sub"]
    rights = claims.get("rights")
    district_id = claims.get("district_id")
    name = claims.get("name", sub)
    if not isinstance(sub, str) or not sub or not isinstance(name, str):
        raise UnauthenticatedError("invalid token claims: sub and name must be strings")
    if not isinstance(rights, list) or not all(isinstance(r, str) for r in rights):
        raise UnauthenticatedError("invalid token claims: rights must be a list of names")
    if type(district_id) is not int or district_id <= 0:
        raise UnauthenticatedError("invalid token claims: district_id must be a positive integer")
    try:
        parsed = parse_rights(rights)
    except ValueError as exc:
        raise UnauthenticatedError(f"invalid token claims: {exc}") from None
    return Caller(
        user_id=sub,
        display_name=name,
        district_id=district_id,
        rights=parsed,
        expires_at=float(claims["exp"]),
    )
