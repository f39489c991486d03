"""Security headers on every answer, as a plain ASGI middleware.

Why not `@app.middleware("http")`: Starlette's BaseHTTPMiddleware wraps every response in a stream and a task
group, which the load harness's profile showed as a large share of a vote's cost; adding headers needs none of
that, only a look at the `http.response.start` message on its way out.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
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


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if not path.startswith("/static/"):
                    headers.setdefault("Cache-Control", NO_STORE)
                if not path.startswith("/api/docs"):  # Swagger UI loads its own scripts
                    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            await send(message)

        await self.app(scope, receive, with_headers)
