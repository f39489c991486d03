"""Fuzzing every HTML form: random text (control characters, markup, SQL, very long strings) in every field of
every form POST, with a valid CSRF value, a facilitator session and a participant cookie, never gives a 5xx;
and the page that answers never carries a raw `<script>` tag.

The routes are enumerated from the app itself, so a new form is fuzzed without touching this file.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import fuzz_settings
from tests.web.conftest import add_facilitator, csrf, join_page, sign_in_page
from workingup.runtime.database import Database

SCRIPT = "<script>alert(1)</script>"
SKIP = {"/logout"}  # ends the session every other example needs
EXTRA_FIELDS = ("text", "title", "statements", "kind", "horizon", "actors", "ids", "action", "speaker")
HOSTILE = st.sampled_from(
    [
        SCRIPT,
        "'; DROP TABLE statement;--",
        '"><img src=x onerror=alert(1)>',
        '=HYPERLINK("http://x")',
        "x" * 5000,
        "\u202e\r\n\t\x0b\x1f",
        "2017-03-02",
        "1",
        "-1",
        "",
    ]
)
VALUES = HOSTILE | st.text(max_size=200) | st.integers(-(2**40), 2**40).map(str)


def form_routes(app: Any) -> list[APIRoute]:
    """Every POST route the pages use (the ones left out of the OpenAPI schema), wherever it is included."""
    found: list[APIRoute] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                if "POST" in route.methods and not route.include_in_schema and route.path not in SKIP:
                    found.append(route)
            elif hasattr(route, "original_router"):
                walk(route.original_router.routes)
            elif hasattr(route, "routes"):
                walk(route.routes)

    walk(list(app.routes))
    return found


def _fields(route: APIRoute) -> list[str]:
    names = [p.alias for p in route.dependant.body_params if p.alias != "csrf_token"]
    for dep in route.dependant.dependencies:
        names += [p.alias for p in dep.body_params if p.alias != "csrf_token"]
    return sorted(set(names) | set(EXTRA_FIELDS))


@pytest.mark.slow
def test_every_form_survives_random_text(client: TestClient, dialogue: str, database: Database) -> None:
    add_facilitator(database, "forms@example.org", dialogue)
    sign_in_page(client, "forms@example.org")
    join_page(client, dialogue)
    routes = form_routes(client.app)
    assert len(routes) >= 25, [r.path for r in routes]

    @fuzz_settings(default=2)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        for route in routes:
            path = route.path.replace("{slug}", dialogue)
            path = re.sub(r"\{[a-z_]+\}", lambda _m: data.draw(st.sampled_from(["1", "2", "999"])), path)
            form = {name: data.draw(VALUES, label=name) for name in _fields(route)}
            response = client.post(path, data={"csrf_token": csrf(client), **form})
            assert response.status_code < 500, (path, form, response.text[:300])
            assert response.headers["content-type"].startswith("text/html"), (path, response.text[:200])
            at = response.text.find(SCRIPT)
            assert at < 0, (path, response.url, response.text[max(at - 300, 0) : at + 60])

    run()
