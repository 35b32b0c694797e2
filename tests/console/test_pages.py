"""The console's pages over HTTP: sign-in and sessions, CSRF, bad input beside its field, a
refused right naming the right, a service that is down, and escaping of what people type."""

from __future__ import annotations

import re
from html import unescape

from tests.console.conftest import PROXY_HEADER, ConsoleEnv
from tests.support.rights import ALL


async def page(env: ConsoleEnv, path: str, headers: dict[str, str] | None = None,
               **kwargs: object) -> tuple[int, str]:  # fmt: skip
    async with env.http.get(env.url + path, headers=headers, **kwargs) as resp:  # type: ignore[arg-type]
        return resp.status, await resp.text()


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


async def sign_in(env: ConsoleEnv, user_id: str, headers: dict[str, str] | None = None) -> str:
    status, html = await page(env, "/sign-in")
    assert status == 200
    nonce = re.search(r'name="nonce" value="([^"]+)"', html)
    assert nonce is not None
    async with env.http.post(env.url + "/sign-in", data={"nonce": nonce[1], "user_id": user_id},
                             allow_redirects=False, headers=headers) as resp:  # fmt: skip
        assert resp.status == 303
        return resp.headers["Set-Cookie"]


async def test_development_sign_in_lists_staff_and_sets_a_safe_session_cookie(
    development: ConsoleEnv,
):
    status, html = await page(development, "/", allow_redirects=False)
    assert status == 303
    status, html = await page(development, "/sign-in")
    assert "Sign in as Principal Skinner" in html
    assert "sent_message_log" in html
    cookie = await sign_in(development, "principal.skinner")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    status, html = await page(development, "/")
    assert status == 200
    assert "Signed in as" in html
    assert "Principal Skinner" in html
    https_cookie = await sign_in(
        development, "principal.skinner", headers={"X-Forwarded-Proto": "https"}
    )
    assert "Secure" in https_cookie


async def test_sign_in_needs_the_form_it_was_offered(development: ConsoleEnv):
    async with development.http.post(
        development.url + "/sign-in", data={"nonce": "guess", "user_id": "principal.skinner"}
    ) as resp:
        assert resp.status == 403
        assert "smlog_session" not in resp.cookies


async def test_proxy_mode_trusts_only_the_signed_header(proxied: ConsoleEnv):
    status, html = await page(proxied, "/", headers=proxied.as_user())
    assert status == 200
    assert "School Closed Today" in html
    status, html = await page(proxied, "/")
    assert status == 401
    forged = proxied.token().rsplit(".", 1)[0] + ".AAAA"
    status, _ = await page(proxied, "/", headers={PROXY_HEADER: forged})
    assert status == 401
    status, _ = await page(proxied, "/", cookies={"smlog_session": proxied.token()})
    assert status == 401
    status, _ = await page(proxied, "/sign-in")
    assert status == 404


async def test_forms_that_change_something_need_the_csrf_token(proxied: ConsoleEnv):
    who = proxied.as_user(rights=[*ALL, "cancel_messages"])
    path = f"/messages/{proxied.data.m3}/cancel"
    async with proxied.http.post(proxied.url + path, headers=who, data={"csrf": "x"}) as resp:
        assert resp.status == 403
        assert "form has expired" in await resp.text()
    _status, html = await page(proxied, path, headers=who)
    csrf = re.search(r'name="csrf" value="([^"]+)"', html)
    assert csrf is not None
    # The token is right, and dispatch is down: a 503 page, never a stack trace.
    async with proxied.http.post(proxied.url + path, headers=who, data={"csrf": csrf[1]}) as resp:
        body = await resp.text()
        assert resp.status == 503
        assert "not answering" in body
        assert "Traceback" not in body
        assert "grpc" not in body.lower()


async def test_bad_input_comes_back_beside_its_field(proxied: ConsoleEnv):
    cal = proxied.data.cal_c  # another district's calendar
    status, html = await page(
        proxied, f"/?message_id=12a&start=2026-03-05&end=2026-03-01&calendar={cal}",
        headers=proxied.as_user(),
    )  # fmt: skip
    assert status == 400
    text = text_of(html)
    assert "There is a problem" in text
    assert 'id="message_id-error"' in html
    assert "Message ID must be a number" in text
    assert "End date must be the same as or after the start date" in text
    assert "Choose one of your district's calendars" in text
    assert 'value="12a"' in html


async def test_a_refused_right_is_a_403_page_naming_the_right(proxied: ConsoleEnv):
    status, html = await page(proxied, "/", headers=proxied.as_user(rights=["send_messages"]))
    assert status == 403
    assert "sent_message_log" in html
    general_only = ["sent_message_log", "all_messages", "type_general"]
    status, html = await page(proxied, "/?type=emergency", headers=proxied.as_user(
        rights=general_only))  # fmt: skip
    assert status == 403
    assert "type_emergency" in html


async def test_another_district_never_sees_the_message(proxied: ConsoleEnv):
    status, html = await page(
        proxied, f"/messages/{proxied.data.m1}", headers=proxied.as_user(district=2)
    )
    assert status == 404
    assert "School Closed Today" not in html
    status, html = await page(proxied, "/?scope=all", headers=proxied.as_user(district=2))
    assert status == 200
    assert f"#{proxied.data.m1}<" not in html


async def test_what_people_type_is_escaped(proxied: ConsoleEnv):
    status, html = await page(
        proxied, "/?subject=%3Cscript%3Ealert(1)%3C/script%3E", headers=proxied.as_user()
    )
    assert status == 200
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


async def test_reports_service_down_is_a_503_page(proxied: ConsoleEnv):
    status, html = await page(
        proxied, f"/messages/{proxied.data.m1}/report?mode=all&status=all&format=csv",
        headers=proxied.as_user(),
    )  # fmt: skip
    assert status == 503
    assert "not answering" in html


async def test_pages_carry_security_headers(proxied: ConsoleEnv):
    async with proxied.http.get(proxied.url + "/", headers=proxied.as_user()) as resp:
        assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
        assert resp.headers["X-Frame-Options"] == "DENY"
