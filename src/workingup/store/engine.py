"""Engines and sessions: the only place that knows how each database is tuned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a durable commit setting.

    SQLite: one writer, many readers (WAL); `synchronous=FULL` so a commit the server acknowledged survives a
    crash or power loss (NORMAL in WAL mode can lose the last commits on power loss); foreign keys on, since
    SQLite leaves them off by default; a busy timeout so a second writer waits instead of failing (30 s: under the load harness on an
    oversubscribed machine, 10 s was not always enough for a join to get the write lock).
    """
    parsed = make_url(url)
    # The web server runs sync routes on up to 40 threads; with SQLAlchemy's default pool (5 + 10 overflow) the
    # rest queued for a connection under load. Connections are cheap for SQLite and PostgreSQL allows 100.
    if parsed.get_backend_name() != "sqlite" or (parsed.database or ":memory:") != ":memory:":
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 30)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
