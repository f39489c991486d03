"""The vote lane: the busiest request, answered in front of the framework when it has the ordinary shape.

Why: the load harness's profile showed the vote route spending most of its time in the web framework rather
than in voting — FastAPI walks a list of ~150 routes with several checks each, solves the route's dependencies
and runs five middlewares before and after it — about 0.4 ms of CPU for a vote, and 1.2 ms for a route late in
the list, against 0.15 ms for a bare ASGI answer. At a thousand votes a second that is the whole core.

So this pure-ASGI middleware, placed inside the request guard and the security headers (so both still apply), takes
`POST /api/v1/dialogues/{slug}/votes` only when the request has the one shape honest clients send — a `Bearer`
token, at most one Idempotency-Key of 1–64 characters, a JSON body that is exactly `{"statement_id": <id>, "value":
-1|0|1}` — and answers it with `web.voting.cast_api_vote`, the same function the FastAPI route calls (and so
`services.voting.cast`, the one vote path). Anything else (no token, a form, a string where a number goes, an extra
field, a second header…) is handed on to the FastAPI route untouched, with its body replayed, so every refusal
keeps the route's exact answer and the OpenAPI schema stays the one truth. `tests/web/test_vote_lane.py` sends the
same requests to an app with and without the lane and requires identical answers.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workingup.domain import MAX_ID
from workingup.services.errors import ServiceError
from workingup.services.voting import MAX_KEY
from workingup.web.errors import RateLimited, status_of
from workingup.web.state import AppState
from workingup.web.voting import cast_api_vote

PATH = re.compile(r"/api/v1/dialogues/([^/]+)/votes")


def _ordinary(scope: Scope) -> tuple[str, str, str | None] | None:
    """(slug, token, idempotency key) when the headers have the ordinary shape, else None (the route decides)."""
    authorization: list[bytes] = []
    keys: list[bytes] = []
    content_type: list[bytes] = []
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization.append(value)
        elif name == b"idempotency-key":
            keys.append(value)
        elif name == b"content-type":
            content_type.append(value)
    if len(authorization) != 1 or len(keys) > 1 or len(content_type) != 1:
        return None
    if content_type[0].split(b";", 1)[0].strip().lower() != b"application/json":
        return None
    scheme, _, token = authorization[0].decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token or token != token.strip() or " " in token:
        return None
    key = keys[0].decode("latin-1") if keys else None
    if key is not None and not 1 <= len(key) <= MAX_KEY:
        return None
    match = PATH.fullmatch(scope["path"])
    assert match is not None
    return match.group(1), token, key


def _vote(body: bytes) -> tuple[int, int] | None:
    """(statement id, value) when the body is exactly the ordinary vote, else None."""
    try:
        data: Any = json.loads(body)
    except ValueError:
        return None
    if type(data) is not dict or data.keys() != {"statement_id", "value"}:
        return None
    statement_id, value = data["statement_id"], data["value"]
    if type(statement_id) is not int or type(value) is not int:
        return None
    if not 1 <= statement_id <= MAX_ID or value not in (-1, 0, 1):
        return None
    return statement_id, value


async def _answer(
    send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})


class VoteLane:
    def __init__(self, app: ASGIApp, *, state: AppState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or PATH.fullmatch(scope["path"]) is None:
            await self.app(scope, receive, send)
            return
        ordinary = _ordinary(scope)
        if ordinary is None:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # a disconnect: the route's own reading decides
                await self.app(scope, _replay(b"".join(chunks), message, receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        vote = _vote(body)
        if vote is None:
            await self.app(scope, _replay(body, None, receive), send)
            return
        slug, token, key = ordinary
        try:
            out = await cast_api_vote(self.state, slug, token, vote[0], vote[1], key)
        except ServiceError as error:
            extra = (
                [(b"retry-after", str(error.retry_after).encode())]
                if isinstance(error, RateLimited)
                else None
            )
            detail = json.dumps({"detail": str(error)}, ensure_ascii=False, separators=(",", ":"))
            await _answer(send, status_of(error), detail.encode(), extra)
            return
        await _answer(send, 200, out.__pydantic_serializer__.to_json(out))


def _replay(body: bytes, then: Message | None, receive: Receive) -> Receive:
    """A receive that gives the app the body already read, then whatever came after it."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            if then is not None and not body:
                return then
            return {"type": "http.request", "body": body, "more_body": then is not None}
        if then is not None:
            return then
        return await receive()

    return replay
