"""A database too busy to write answers 503 with Retry-After, never a 500.

SQLite has one writer. When another process holds the write lock past the busy timeout (an import, a backup),
SQLite says "database is locked"; PostgreSQL says so with a lock or statement timeout. Neither is a bug of the
request, and trying again shortly succeeds, so the client is told exactly that (issue 18: sign-in and join
answered 500 during `workingup import-polis`). The import itself commits in short batches
(`services.polis_io`), so this is the exception, not the rule.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError

RETRY_AFTER_SECONDS = 2
BUSY_MESSAGE = "the database is busy (another program is writing to it); please try again in a moment"
_BUSY_SIGNS = ("database is locked", "database table is locked", "lock timeout", "canceling statement due to")


def is_busy(error: OperationalError) -> bool:
    """Whether `error` says the database was busy, rather than broken or unreachable."""
    text = str(error.orig if error.orig is not None else error).lower()
    return any(sign in text for sign in _BUSY_SIGNS)


def install_busy_handler(app: FastAPI, render_error: Callable[[Request, int, str], Response]) -> None:
    async def busy(request: Request, error: Exception) -> Response:
        if not isinstance(error, OperationalError) or not is_busy(error):
            raise error
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": BUSY_MESSAGE}, status_code=503, headers=headers)
        response = render_error(request, 503, BUSY_MESSAGE)
        response.headers.update(headers)
        return response

    app.add_exception_handler(OperationalError, busy)
