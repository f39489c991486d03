"""The database a command or the web app works on: its engine, sessions, units of work and schema bootstrapping."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from workingup.services.errors import ServiceError
from workingup.store import is_current, make_engine, make_sessionmaker, upgrade


@dataclass(frozen=True)
class Database:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def open(cls, url: str, *, migrate: bool = False) -> Database:
        """Connect; with `migrate`, bring the schema to the newest migration, else insist it already is."""
        engine = make_engine(url)
        try:
            if migrate:
                upgrade(engine)
            elif not is_current(engine):
                raise ServiceError(
                    f"the database at {cls.describe(url)} is not initialised; run `workingup init`"
                )
        except OperationalError as error:
            engine.dispose()
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            raise ServiceError(f"cannot use the database at {cls.describe(url)}: {reason}") from None
        return cls(url=url, engine=engine, sessions=make_sessionmaker(engine))

    @staticmethod
    def describe(url: str) -> str:
        """The URL without its password, fit for messages."""
        return make_url(url).render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed at the end, or entirely rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session for one request: committed when the block ends normally, rolled back when it raises.

        Unlike `transaction`, the caller may roll back midway (a route that catches a refusal and answers with
        the form again) and go on; whatever it writes after that is committed at the end. Why not commit in the
        routes: one place decides, so no route can forget to commit or commit half its work."""
        with self.sessions() as session:
            try:
                yield session
            except BaseException:
                session.rollback()
                raise
            session.commit()

    @staticmethod
    def complete(session: Session) -> None:
        """Commit a unit of work's writes before its block ends, where the caller knows its work is done.

        Why: a web route's answer is validated in another thread (web/deps.py), and its session must not hold
        SQLite's write lock while waiting for that thread; committing here, in the runtime, keeps the rule that
        only the unit of work commits. The block's own commit then has nothing left to write."""
        session.commit()

    def close(self) -> None:
        self.engine.dispose()


BUSY_ERROR = OperationalError
"""The driver error a busy database raises (what `is_busy` tells apart from a broken one)."""
_BUSY_SIGNS = ("database is locked", "database table is locked", "lock timeout", "canceling statement due to")


def is_busy(error: BaseException) -> bool:
    """Whether `error` says the database was busy (another writer held the lock past the timeout), rather than
    broken or unreachable: trying again shortly succeeds, so the web answers 503 (`web/busy.py`)."""
    if not isinstance(error, OperationalError):
        return False
    text = str(error.orig if error.orig is not None else error).lower()
    return any(sign in text for sign in _BUSY_SIGNS)
