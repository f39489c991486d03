"""Request dependencies as Annotated aliases, so every route declares what it needs the same way.

One request is one unit of work (docs/architecture.md §2): the request's session is committed when the route
returns and rolled back when it raises, and no route commits itself. Two things make the commit early enough:

- `UnitOfWorkRoute`, the route class of every router, commits the route's session the moment the route function
  returns, in the route's own worker thread. Why there: FastAPI validates a plain route's answer in *another*
  worker thread, and with four of them (web/app.py) four requests waiting for SQLite's write lock would hold every
  thread while the request holding the lock waited for one to finish: a deadlock the load harness found.
- `SessionDep` has `scope="function"`: FastAPI runs the code after a `yield` of a request-scoped dependency only
  after the response has been sent, so a browser following a redirect could reach the next request before the
  commit. With the function scope the dependency's own commit (or rollback, when the route raised) runs before
  a byte of the answer leaves (`tests/web/test_unit_of_work.py`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from workingup.runtime.database import Database
from workingup.web.state import app_state


def get_database(request: Request) -> Database:
    return app_state(request).database


def get_session(request: Request) -> Iterator[Session]:
    with get_database(request).unit_of_work() as session:
        yield session


DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _commit_sessions(values: dict[str, Any]) -> None:
    for value in values.values():
        if isinstance(value, Session):
            Database.complete(value)


def _committing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """`endpoint`, committing the session it was given as soon as it returns (not when it raises)."""
    if inspect.iscoroutinefunction(endpoint):

        @functools.wraps(endpoint)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            result = await endpoint(*args, **kwargs)
            _commit_sessions(kwargs)
            return result

        return run_async

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        _commit_sessions(kwargs)
        return result

    return run


class UnitOfWorkRoute(APIRoute):
    """A route whose session is committed as its function returns, in its own thread (see the module's doc)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _committing(endpoint), **kwargs)
