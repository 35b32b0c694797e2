"""Who is signed in: the session cookie (development sign-in) or the identity proxy's header.

A session is the person's own smlog bearer token, minted here at sign-in and kept in an
HttpOnly, SameSite=Lax cookie (Secure over HTTPS), never in a URL. With
``console_sign_in=proxy`` the cookie is ignored: every request must carry a token signed with
the shared key in ``console_proxy_header``, and anything else is refused. Forms that change
something carry a CSRF token: an HMAC of the session, checked on every POST.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import jwt
from aiohttp import web

from smlog.auth import Caller, TokenKeys, mint_token, verify_token
from smlog.auth.demo_staff import StaffMember
from smlog.config import Settings
from smlog.errors import UnauthenticatedError

SESSION_COOKIE = "smlog_session"


@dataclass(frozen=True)
class SignedIn:
    """A verified person and the token the console calls the services with on their behalf."""

    caller: Caller
    token: str
    csrf: str

    def metadata(self) -> tuple[tuple[str, str]]:
        return (("authorization", f"Bearer {self.token}"),)


class Identity:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._keys = TokenKeys.from_settings(settings)
        self._csrf_key = hmac.new(
            settings.jwt_secret.encode(), b"smlog-console-csrf", hashlib.sha256
        ).digest()

    @property
    def uses_proxy(self) -> bool:
        return self._settings.console_sign_in == "proxy"

    def signed_in(self, request: web.Request) -> SignedIn | None:
        """The person making this request, or None (no, expired or forged credentials)."""
        if self.uses_proxy:
            token = request.headers.get(self._settings.console_proxy_header, "")
        else:
            token = request.cookies.get(SESSION_COOKIE, "")
        if not token:
            return None
        try:
            caller = verify_token(token, self._keys)
        except UnauthenticatedError:
            return None
        if caller.is_service:
            return None
        return SignedIn(caller, token, self._csrf(caller, token))

    def _csrf(self, caller: Caller, token: str) -> str:
        # Bound to the session: a cookie session by its issue time, a proxy identity by person.
        session = "proxy" if self.uses_proxy else str(_issued_at(token))
        material = f"{caller.user_id}|{caller.district_id}|{session}".encode()
        return hmac.new(self._csrf_key, material, hashlib.sha256).hexdigest()

    def check_csrf(self, person: SignedIn, submitted: str) -> None:
        if not hmac.compare_digest(person.csrf, submitted):
            raise web.HTTPForbidden(text="The form has expired. Go back, reload and try again.")

    def start_session(self, request: web.Request, response: web.StreamResponse,
                      member: StaffMember) -> None:  # fmt: skip
        """Sign a demo staff member in: their own token in the session cookie."""
        ttl = self._settings.console_session_seconds
        token = mint_token(
            self._settings.jwt_secret,
            user_id=member.user_id,
            district_id=member.district_id,
            rights=[r.value for r in member.rights],
            name=member.name,
            ttl_seconds=ttl,
            algorithm=self._settings.jwt_algorithm,
        )
        response.set_cookie(
            SESSION_COOKIE, token, max_age=int(ttl), path="/", httponly=True,
            samesite="Lax", secure=is_https(request),
        )  # fmt: skip

    def end_session(self, request: web.Request, response: web.StreamResponse) -> None:
        response.del_cookie(SESSION_COOKIE, path="/")


def is_https(request: web.Request) -> bool:
    """Over HTTPS, directly or behind a proxy that says so."""
    return request.secure or request.headers.get("X-Forwarded-Proto", "") == "https"


def _issued_at(token: str) -> int:
    # Only called after verify_token accepted the token, so its claims are trusted.
    claims = jwt.decode(token, options={"verify_signature": False})
    return int(claims.get("iat", 0))
