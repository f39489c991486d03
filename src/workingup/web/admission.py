"""Admission: at most so many requests inside the application at once, so none can wait for a connection forever.

Why: page and API routes written as plain functions run in worker threads (WORKER_THREADS of them), and a request
takes its database connection in a dependency, in one thread, then waits for another thread to run the route
itself, still holding the connection. Under the load harness on PostgreSQL, fifty participants voting fast and
writing statements at once filled the pool (10 + 30) with requests that held a connection and waited for a thread,
while every thread waited for a connection: nothing moved until the pool's 30-second timeout answered 500. Letting
in no more requests than the pool can serve breaks that cycle; the others wait here, holding nothing, and get in
as soon as one leaves. Votes the vote lane answers never reach this gate (they use the vote writer's own
connection), nor do static files.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool
from starlette.types import ASGIApp, Receive, Scope, Send

DEFAULT = 24
"""Requests admitted at once when the pool does not say how many connections it has."""

SHARE = 0.6
"""Of the pool's connections, the share requests may hold: the rest is for background work (the analysis, the
coordination watch) and for a request that opens a second session."""


def admitted_for(engine: Engine) -> int:
    pool = engine.pool
    if isinstance(pool, QueuePool):
        # QueuePool tells its size but keeps its overflow limit private (`overflow()` is the current count).
        return max(1, int((pool.size() + pool._max_overflow) * SHARE))
    return DEFAULT


class Admission:
    """Pure ASGI, so a waiting request costs one suspended coroutine and nothing else."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"admission limit must be at least 1, not {limit}")
        self.app = app
        self.limit = limit
        self._gate: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None
        self.waited = 0
        """Requests that found the gate full (for tests and the load report)."""

    def _semaphore(self) -> asyncio.Semaphore:
        # A test client may run each request on a loop of its own: a semaphore belongs to the loop it waited on.
        loop = asyncio.get_running_loop()
        if self._gate is None or self._gate[0] is not loop:
            self._gate = (loop, asyncio.Semaphore(self.limit))
        return self._gate[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        gate = self._semaphore()
        if gate.locked():
            self.waited += 1
        async with gate:
            await self.app(scope, receive, send)
