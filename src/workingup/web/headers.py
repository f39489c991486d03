"""Security headers on every answer, as a plain ASGI middleware.

Why not `@app.middleware("http")`: Starlette's BaseHTTPMiddleware wraps every response in a stream and a task
group, which the load harness's profile showed as a large share of a vote's cost; adding headers needs none of
that, only a look at the `http.response.start` message on its way out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # one-tap voting must not be clickjacked inside another site's frame
    "Referrer-Policy": "same-origin",  # invitation links carry a token in their path
}
NO_STORE = "no-store"
"""Every dynamic answer may hold a facilitator's roster, someone's own votes or a CSRF value: no cache (shared
or the browser's back-forward history on a shared computer) may keep it. Only /static is cacheable."""
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


WIDGET_PATH = re.compile(r"/d/[^/]+/widget(/|$)")
"""The participation widget (web/pages/widget.py): the only pages another site may frame."""


def widget_policy(origins: Sequence[str]) -> str:
    """The widget's Content-Security-Policy: the site's own, but framed by this site and the origins the
    WORKINGUP_EMBED_ORIGINS setting names (config.py checks they are bare origins), never by anyone else."""
    ancestors = " ".join(("'self'", *origins))
    return CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", f"frame-ancestors {ancestors}")


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


_ALWAYS = _raw(SECURITY_HEADERS)
_NO_STORE = _raw({"Cache-Control": NO_STORE})
_CSP = _raw({"Content-Security-Policy": CONTENT_SECURITY_POLICY})


class SecurityHeaders:
    """Adds each header the answer does not already set (a route may set its own Cache-Control, say).

    The header lists are encoded once; each answer costs one pass over its own headers (measured: Starlette's
    MutableHeaders.setdefault, one scan per header, was 8% of a vote's CPU under load)."""

    def __init__(self, app: ASGIApp, embed_origins: Sequence[str] = ()) -> None:
        self.app = app
        # The widget drops X-Frame-Options (it cannot name sites; CSP frame-ancestors can, and browsers that
        # know both obey frame-ancestors) and carries its own frame-ancestors.
        self._widget = [pair for pair in _ALWAYS if pair[0] != b"x-frame-options"] + _raw(
            {"Content-Security-Policy": widget_policy(embed_origins)}
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if WIDGET_PATH.match(path):
            wanted = self._widget + _NO_STORE
        else:
            wanted = list(_ALWAYS)
            if not path.startswith("/static/"):
                wanted += _NO_STORE
            if not path.startswith("/api/docs"):  # Swagger UI loads its own scripts
                wanted += _CSP

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(pair for pair in wanted if pair[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
