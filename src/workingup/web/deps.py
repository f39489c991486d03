"""Request dependencies as Annotated aliases, so every route declares what it needs the same way.

One request is one unit of work (docs/architecture.md §2): `SessionDep` commits when the route returns and rolls
back when it raises, and no route commits itself. The dependency has `scope="function"` on purpose: FastAPI runs
the code after a `yield` of a request-scoped dependency only after the response has been sent, so a browser
following a redirect (or a client reading its 201) could reach the next request before the commit. With the
function scope the commit runs as soon as the route function has returned and its answer has been built, before
a byte of it leaves (`tests/web/test_unit_of_work.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
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
