"""Every JSON operation of the API with text from every Unicode general category, and lone surrogates, in every
string it reads (body fields, path and query parameters): never a server error, and every answer is JSON.

Why beside schemathesis (test_openapi_conformance.py): schemathesis draws text the schema allows, which is
almost never half of a surrogate pair (`"a\\ud800"`, legal as a JSON escape, no character at all), nor the rarer
categories (unassigned code points, private use, format controls such as the right-to-left override). A lone
surrogate in a sign-in e-mail answered with a 500: the 422 echoed the input and could not be encoded. The
operations are enumerated from the OpenAPI schema, so a new one is fuzzed without touching this file.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Iterator
from functools import cache
from typing import Any, cast
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from tests.fuzz import fuzz_settings
from tests.web.test_openapi_conformance import SLUG, _headers, _world
from workingup.runtime.database import Database
from workingup.web.errors import install_error_handlers

SKIPPED = {
    "sign_out",  # ends the session every other request uses
    "run_analysis",  # the analysis and themes are minutes of numbers, not text handling
    "run_listening_themes",
}

CATEGORIES = (
    *("Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe"),
    *("Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"),
)
"""All thirty Unicode general categories."""


@cache
def _by_category() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for code in range(1, sys.maxunicode + 1):  # NUL left out: the guard refuses it (test_hostile_input.py)
        found.setdefault(unicodedata.category(chr(code)), []).append(chr(code))
    return found


def samples(category: str) -> str:
    """Eight code points of `category`, spread over the whole range of it."""
    found = _by_category()[category]
    step = max(1, len(found) // 8)
    return "".join(found[::step][:8])


LONE_SURROGATES = ("\ud800", "\udfff", "a\udc00b", "\ud83d", "x\ude00")


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) for every operation that reads a JSON body, a string path or query parameter."""
    found = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if op["operationId"] in SKIPPED:
                continue
            body = "application/json" in op.get("requestBody", {}).get("content", {})
            texts = [
                p for p in op.get("parameters", []) if p["in"] in ("path", "query") and p["name"] != "slug"
            ]
            if body or texts:
                found.append((method.upper(), path, op))
    return found


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            return _resolve(spec, options[0])
    return schema


def body_with(spec: dict[str, Any], schema: dict[str, Any], text: str, *, enums: bool = False) -> Any:
    """A body of `schema`'s shape, valid except that every free-text string is `text` (enums, dates and numbers
    take valid values, so the text gets as far into the handler as it can); with `enums`, the enums too."""
    schema = _resolve(spec, schema)
    if "enum" in schema:
        return text if enums else schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {}).items()
        return {name: body_with(spec, sub, text, enums=enums) for name, sub in properties}
    if kind == "array":
        return [body_with(spec, schema.get("items", {}), text, enums=enums)]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    if kind == "string":
        if schema.get("format") == "date":
            return "2026-05-01"
        if schema.get("format") == "date-time":
            return "2026-05-01T10:00:00Z"
        # Long enough for any minimum (statements need ten characters), short enough for any maximum.
        return (text + " about the bus times in town")[: schema.get("maxLength", 200)]
    return text


def send(
    world: dict[str, Any],
    spec: dict[str, Any],
    method: str,
    path: str,
    op: dict[str, Any],
    text: str,
    *,
    enums: bool = False,
) -> Any:
    """One request with `text` in every string the operation reads; the JSON is ASCII with \\u escapes, as a
    hostile client would write a lone surrogate (it has no UTF-8 form)."""
    url = path.replace("{slug}", SLUG)
    query: list[str] = []
    for parameter in op.get("parameters", []):
        name, where = parameter["name"], parameter["in"]
        if name == "slug" or where not in ("path", "query"):
            continue
        kind = _resolve(spec, parameter.get("schema", {})).get("type")
        value = "1" if kind in ("integer", "boolean") else text
        # A lone surrogate has no UTF-8 form; percent-encode what a client would send: its CESU-8 bytes.
        encoded = quote(value.encode("utf-8", "surrogatepass"), safe="")
        if where == "path":
            url = url.replace("{" + name + "}", encoded)
        else:
            query.append(f"{name}={encoded}")
    if query:
        url += "?" + "&".join(query)
    headers = _headers(path, world)
    content = None
    if "application/json" in op.get("requestBody", {}).get("content", {}):
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        content = json.dumps(body_with(spec, schema, text, enums=enums), ensure_ascii=True).encode()
        headers["content-type"] = "application/json"
    client: TestClient = world["client"]
    return client.request(method, url, content=content, headers=headers)


@pytest.fixture
def world(database: Database) -> Iterator[dict[str, Any]]:
    with _world(database) as built:
        yield built


def _check(response: Any, method: str, path: str, text: str) -> None:
    where = (method, path, text.encode("utf-8", "surrogatepass"))
    assert response.status_code < 500, (*where, response.text[:300])
    if response.status_code == 204:
        return
    assert response.headers["content-type"].split(";")[0] in (
        "application/json",
        "application/zip",
        "text/csv",
        "image/svg+xml",
    ), (*where, response.headers["content-type"])


@pytest.mark.slow
def test_every_category_and_lone_surrogates_in_every_operation(world: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    spec = client.get("/api/v1/openapi.json").json()
    found = operations(spec)
    assert len(found) >= 35, [p for _, p, _ in found]
    texts = [*LONE_SURROGATES, *(samples(c) for c in CATEGORIES)]
    assert all(texts)
    carried = 0
    for method, path, op in found:
        for text in texts:
            response = send(world, spec, method, path, op, text)
            _check(response, method, path, text)
            sent = response.request.content + str(response.request.url).encode()
            if text in LONE_SURROGATES and (b"\\ud" in sent or b"%ED%" in sent):
                # Refused wherever it went (body, path or query): a clear 422, never stored.
                assert response.status_code == 422, (method, path, response.text[:300])
                carried += 1
    assert carried >= 25 * len(LONE_SURROGATES)  # the operations that read free text (26 when written)


@pytest.mark.slow
def test_random_mixtures_of_categories_in_every_operation(world: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    spec = client.get("/api/v1/openapi.json").json()
    found = operations(spec)
    any_character = st.characters(codec=None, categories=cast(Any, CATEGORIES), exclude_characters="\x00")
    mixtures = st.text(any_character, min_size=1, max_size=40)

    @fuzz_settings(default=3)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        for method, path, op in found:
            text = data.draw(mixtures, label=op["operationId"])
            enums = data.draw(st.booleans(), label="in the enums too")
            _check(send(world, spec, method, path, op, text, enums=enums), method, path, text)

    run()


def test_a_lone_surrogate_is_refused_where_the_issue_found_it(world: dict[str, Any]) -> None:
    """The requests of issue 19, each a 422 that says what is wrong, with nothing stored."""
    client: TestClient = world["client"]
    participant = world["participant"]
    cases = [
        ("/api/v1/sessions", {"email": "a\ud800@example.org", "password": "x"}, {}),
        (f"/api/v1/dialogues/{SLUG}/participants", {"consent": True, "sector": "a\ud800"}, {}),
        (f"/api/v1/dialogues/{SLUG}/votes", {"statement_id": 1, "value": 1, "x\udfff": 1}, participant),
        (f"/api/v1/dialogues/{SLUG}/statements", {"text": "Buses all night \ud83d please"}, participant),
    ]
    for url, body, headers in cases:
        raw = json.dumps(body, ensure_ascii=True).encode()
        response = client.post(url, content=raw, headers={**headers, "content-type": "application/json"})
        assert response.status_code == 422, (url, response.text)
        message = response.json()["detail"][0]["msg"]
        assert "lone surrogate" in message, message
        assert "\\ud" in message, message
    # A whole pair written as two escapes is one character (an emoji), and is stored as such.
    text = "Buses all night \U0001f68c please"
    raw = json.dumps({"text": text}, ensure_ascii=True).encode()
    assert b"\\ud83d\\ude8c" in raw
    response = client.post(
        f"/api/v1/dialogues/{SLUG}/statements",
        content=raw,
        headers={**participant, "content-type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["statement"]["text"] == text


class _Email(BaseModel):
    email: str = Field(pattern=r"^[a-z@.]+$")


def test_the_422_handler_itself_answers_input_that_cannot_be_encoded() -> None:
    """Behind the guard, the handler is the second line: a refusal echoing half a surrogate pair is still a 422
    (the pair's half escaped), not a 500 from encoding the answer."""
    app = FastAPI()
    install_error_handlers(app, render_error=None)

    @app.post("/api/check")
    def check(body: _Email) -> dict[str, str]:
        return {"email": body.email}

    raw = json.dumps({"email": "a\ud800@example.org"}, ensure_ascii=True).encode()
    response = TestClient(app).post("/api/check", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["input"] == "a\\ud800@example.org"
