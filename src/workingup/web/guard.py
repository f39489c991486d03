"""A request guard in front of the whole app: refuse hostile bodies before any handler or parser sees them.

Why a pure ASGI middleware and not checks in the routes: the body is read by Starlette's form and JSON parsers
before a route runs, so a 2 GB body, a JSON document nested a hundred thousand levels deep, or text that the
database cannot store (PostgreSQL refuses NUL characters in text columns) must be stopped on the way in. The
guard reads at most `limit + 1` bytes (and refuses at once when Content-Length already says too much), checks
what it read, and hands the same bytes on to the app, so the routes stay unchanged.

Answers use the project's error format (errors.py): `{"detail": …}` under /api, the error page elsewhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BODY_LIMIT = 256 * 1024
"""JSON and form bodies: the longest text field is a few thousand characters; 256 KiB is generous."""

UPLOAD_LIMIT = 2_100_000
"""multipart/form-data (listening-session files): the page's own 2 MB file limit plus room for the form fields."""

MAX_JSON_DEPTH = 32
"""No request schema nests deeper than a handful of levels; deeper input is an attack on the parser."""

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
"""A \\uD800…\\uDFFF escape: only these can make a lone surrogate, since raw surrogate bytes are not UTF-8."""


class Refused(Exception):
    """Why a request was refused: its HTTP status and a sentence for the person who sent it."""

    def __init__(self, status: int, message: str, where: str = "body") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.where = where


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in `raw`, counted without recursion (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def _check_text(text: str, what: str, where: str = "body") -> None:
    if "\x00" in text:
        raise Refused(422, f"{what} contains a NUL character, which text cannot hold", where)


def check_json(raw: bytes) -> None:
    """Valid UTF-8, no NUL (raw or escaped), nested no deeper than MAX_JSON_DEPTH; FastAPI parses the rest."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refused(422, f"the JSON body is not valid UTF-8 (byte {error.start})") from None
    _check_text(text, "the JSON body")
    if _NUL_ESCAPE.search(raw):
        raise Refused(422, "the JSON body contains a NUL character (\\u0000), which text cannot hold")
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise Refused(422, f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep")
    if _SURROGATE_ESCAPE.search(raw):
        _check_surrogates(text)


def _check_surrogates(text: str) -> None:
    """Refuse a string holding half of a surrogate pair (`"a\\ud800"`): JSON's escapes allow it, but it is no
    character, so no database, page or UTF-8 answer can hold it (echoed in an error it was a 500). A whole pair
    (an emoji written as two escapes) decodes to one character and passes. Parsed only when an escape in the
    surrogate range is there at all, which honest clients (they send UTF-8) almost never write."""
    try:
        document = json.loads(text)
    except ValueError:
        return  # not JSON: FastAPI's parser answers that, with its own located 422
    pending: list[object] = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as error:
                half = f"\\u{ord(item[error.start]):04x}"
                raise Refused(
                    422,
                    f"the JSON body contains a lone surrogate ({half}), half of a character: "
                    "send the text as UTF-8, or both halves of the pair",
                ) from None


def check_form(raw: bytes) -> None:
    """Every name and value of an urlencoded form decodes as UTF-8 text without NUL."""
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        label = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace")[:40]
        for part in (name, value):
            try:
                text = unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                raise Refused(422, f"the form field {label!r} is not valid UTF-8") from None
            _check_text(text, f"the form field {label!r}")


def check_target(scope: Scope) -> None:
    """No NUL and no invalid UTF-8 in the path or the query string: they reach database lookups."""
    path = scope.get("path", "")
    _check_text(path, "the address", "path")
    raw_path = scope.get("raw_path")
    if raw_path is not None:
        try:
            unquote_to_bytes(raw_path).decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(422, "the address is not valid UTF-8", "path") from None
    query = scope.get("query_string", b"")
    if query:
        try:
            unquote_to_bytes(query.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(422, "the query string is not valid UTF-8", "query") from None
        if b"\x00" in unquote_to_bytes(query):
            raise Refused(422, "the query string contains a NUL character", "query")


def _content_type(headers: Iterable[tuple[bytes, bytes]]) -> tuple[str, int | None]:
    kind, length = "", None
    for name, value in headers:
        if name == b"content-type":
            kind = value.decode("latin-1").split(";", 1)[0].strip().lower()
        elif name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                raise Refused(400, "the Content-Length header is not a number") from None
    return kind, length


class RequestGuard:
    """Pure ASGI middleware: checks the target and the body of every HTTP request, then passes it on."""

    def __init__(
        self, app: ASGIApp, *, body_limit: int = BODY_LIMIT, upload_limit: int = UPLOAD_LIMIT
    ) -> None:
        self.app = app
        self.body_limit = body_limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            check_target(scope)
            if scope["method"] in _BODY_METHODS:
                receive = await self._checked_body(scope, receive)
        except Refused as refusal:
            await self._refuse(scope, refusal)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _checked_body(self, scope: Scope, receive: Receive) -> Receive:
        kind, length = _content_type(scope["headers"])
        limit = self.upload_limit if kind == "multipart/form-data" else self.body_limit
        if length is not None and length > limit:
            raise _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise Refused(400, "the client went away before sending the whole body")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body:
            if kind == "application/json" or kind.endswith("+json"):
                check_json(body)
            elif kind == "application/x-www-form-urlencoded":
                check_form(body)

        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()  # after the body, only a disconnect can follow
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay

    def _refuse(self, scope: Scope, refusal: Refused) -> Response:
        headers = {"Connection": "close"} if refusal.status == 413 else None
        if scope.get("path", "").startswith("/api/") or "app" not in scope:
            detail: object = refusal.message
            if refusal.status == 422:  # the shape FastAPI gives every 422, so the API schema stays true
                detail = [{"type": "value_error", "loc": [refusal.where], "msg": refusal.message}]
            return JSONResponse({"detail": detail}, status_code=refusal.status, headers=headers)
        from workingup.web.rendering import render_error  # the page renderer needs the app's templates

        response: Response = render_error(Request(scope), refusal.status, refusal.message)
        if headers:
            response.headers.update(headers)
        return response


def _too_large(limit: int) -> Refused:
    return Refused(413, f"the request body is larger than {limit // 1024} KiB")
