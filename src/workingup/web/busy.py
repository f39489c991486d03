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

from workingup.runtime.database import BUSY_ERROR, is_busy

RETRY_AFTER_SECONDS = 2
BUSY_MESSAGE = "the database is busy (another program is writing to it); please try again in a moment"


def install_busy_handler(app: FastAPI, render_error: Callable[[Request, int, str], Response]) -> None:
    async def busy(request: Request, error: Exception) -> Response:
        if not is_busy(error):
            raise error
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": BUSY_MESSAGE}, status_code=503, headers=headers)
        response = render_error(request, 503, BUSY_MESSAGE)
        response.headers.update(headers)
        return response

    app.add_exception_handler(BUSY_ERROR, busy)
