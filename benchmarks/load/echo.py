"""The peer: a do-nothing ASGI app under the same uvicorn (uvloop, httptools), answering every request with a
vote-shaped JSON body. Driven by the same clients, it measures what HTTP alone costs on this machine, so the
vote rate can be reported as a fraction of it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

BODY = b'{"vote_id":1,"replayed":false,"statement_id":1,"value":1,"progress":{"voted":1,"total":73,"remaining":72}}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(
    scope: dict[str, Any],
    receive: Callable[[], Awaitable[dict[str, Any]]],
    send: Callable[[dict[str, Any]], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
