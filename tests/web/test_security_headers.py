"""Security headers and cookie flags on every kind of answer.

Every route × visitor of the access matrix (tests/web/test_access_matrix.py) runs `assert_security_headers` on
its answer, pages and API alike, allowed or refused. The tests here add what the matrix does not reach: the
error pages (401, 403, 404, 422), the flags of each cookie the app sets, and a static file.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from httpx2 import Response

from tests.web.conftest import PASSWORD, add_facilitator, csrf
from workingup.runtime.database import Database
from workingup.web.headers import WIDGET_PATH
from workingup.web.security import CSRF_COOKIE, SESSION_COOKIE

EMAIL = "headers@example.org"


def assert_security_headers(response: Response, path: str) -> None:
    """The headers every answer of the app carries; `path` is the route (or URL) it answered."""
    headers = response.headers
    where = f"{response.request.method} {path} ({response.status_code})"
    assert headers.get("x-content-type-options") == "nosniff", where
    if WIDGET_PATH.match(urlsplit(path).path):
        # The participation widget is the one page other sites may frame: this site and the configured origins.
        assert "x-frame-options" not in headers, where
        assert "frame-ancestors 'self'" in headers.get("content-security-policy", ""), where
        assert "frame-ancestors 'none'" not in headers.get("content-security-policy", ""), where
        return
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("referrer-policy") in ("same-origin", "no-referrer", "strict-origin"), where
    if not path.startswith("/static/"):
        assert "no-store" in headers.get("cache-control", ""), where
    if path.startswith("/api/docs"):
        return  # Swagger UI loads its own scripts; it is the one page without our policy
    policy = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy, where
    assert "default-src" in policy, where
    assert "unsafe-eval" not in policy, where
    assert "script-src 'unsafe-inline'" not in policy, where


def cookie_flags(response: Response) -> dict[str, dict[str, str | bool]]:
    """Each Set-Cookie of the answer, by name: its attributes (lower-cased names)."""
    found: dict[str, dict[str, str | bool]] = {}
    for raw in response.headers.get_list("set-cookie"):
        jar = SimpleCookie()
        jar.load(raw)
        for name, morsel in jar.items():
            found[name] = {k: v for k, v in morsel.items() if v}
            found[name]["__raw__"] = raw.lower()
    return found


def _assert_cookie(response: Response, name: str, samesite: str) -> None:
    flags = cookie_flags(response)
    assert name in flags, (name, list(flags))
    raw = str(flags[name]["__raw__"])
    assert "httponly" in raw, raw
    assert f"samesite={samesite}" in raw, raw
    assert "path=/" in raw, raw


def test_error_pages_carry_the_headers(client: TestClient, dialogue: str) -> None:
    page_401 = client.post(
        "/login",
        data={"csrf_token": csrf(client), "email": "nobody@example.org", "password": "wrong password!"},
    )
    assert page_401.status_code == 401
    assert_security_headers(page_401, "/login")
    page_403 = client.post(f"/d/{dialogue}/join", data={"csrf_token": "forged", "consent": "yes"})
    assert page_403.status_code == 403
    assert_security_headers(page_403, f"/d/{dialogue}/join")
    page_404 = client.get("/d/no-such-dialogue")
    assert page_404.status_code == 404
    assert "text/html" in page_404.headers["content-type"]
    assert_security_headers(page_404, "/d/no-such-dialogue")
    page_404_route = client.get("/no/such/page")
    assert page_404_route.status_code == 404
    assert_security_headers(page_404_route, "/no/such/page")
    page_422 = client.post(f"/d/{dialogue}/vote", data={"csrf_token": csrf(client), "statement_id": "x"})
    assert page_422.status_code == 422
    assert_security_headers(page_422, f"/d/{dialogue}/vote")


def test_api_answers_carry_the_headers(client: TestClient, dialogue: str) -> None:
    ok = client.get(f"/api/v1/dialogues/{dialogue}")
    assert ok.status_code == 200
    assert_security_headers(ok, f"/api/v1/dialogues/{dialogue}")
    unauthenticated = client.get(f"/api/v1/dialogues/{dialogue}/me")
    assert unauthenticated.status_code == 401
    assert_security_headers(unauthenticated, f"/api/v1/dialogues/{dialogue}/me")
    invalid = client.post(f"/api/v1/dialogues/{dialogue}/participants", json={"consent": "perhaps"})
    assert invalid.status_code == 422
    assert_security_headers(invalid, f"/api/v1/dialogues/{dialogue}/participants")
    missing = client.get("/api/v1/dialogues/no-such-dialogue")
    assert missing.status_code == 404
    assert_security_headers(missing, "/api/v1/dialogues/no-such-dialogue")


def test_static_files_carry_the_headers_but_may_be_cached(client: TestClient) -> None:
    assert "/static/style.css" in client.get("/login").text
    static = client.get("/static/style.css")
    assert static.status_code == 200
    assert_security_headers(static, "/static/style.css")
    assert "no-store" not in static.headers.get("cache-control", "")


def test_every_cookie_is_httponly_and_samesite(database: Database, client: TestClient, dialogue: str) -> None:
    first = client.get("/login")
    _assert_cookie(first, CSRF_COOKIE, "strict")
    add_facilitator(database, EMAIL, dialogue)
    signed_in = client.post(
        "/login",
        data={"csrf_token": csrf(client), "email": EMAIL, "password": PASSWORD},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    _assert_cookie(signed_in, SESSION_COOKIE, "lax")
    assert int(str(cookie_flags(signed_in)[SESSION_COOKIE]["max-age"])) <= 24 * 3600
    page = client.get(f"/f/{dialogue}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    invited = client.post(
        f"/f/{dialogue}/invitations",
        data={"csrf_token": csrf(client), "label": "Someone"},
        follow_redirects=False,
    )
    assert invited.status_code == 303
    _assert_cookie(invited, "wu_new_invitation", "strict")

    browser = TestClient(client.app)
    joined = browser.post(
        f"/d/{dialogue}/join", data={"csrf_token": csrf(browser), "consent": "yes"}, follow_redirects=False
    )
    assert joined.status_code == 303
    participant_cookies = [n for n in cookie_flags(joined) if n.startswith("wu_p")]
    assert len(participant_cookies) == 1
    _assert_cookie(joined, participant_cookies[0], "lax")
    signed_out = client.post("/logout", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert signed_out.status_code == 303
    assert "max-age=0" in signed_out.headers["set-cookie"].lower()
