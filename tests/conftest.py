"""Shared fixtures: the shared Pol.is data, and empty migrated databases on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from workingup.runtime.database import Database
from workingup.store.models import Base


def _shared() -> Path:
    """../shared beside the project root (or WORKINGUP_SHARED); /work/shared when the clone lives elsewhere."""
    if "WORKINGUP_SHARED" in os.environ:
        return Path(os.environ["WORKINGUP_SHARED"])
    beside = Path(__file__).resolve().parents[2] / "shared"
    return beside if beside.is_dir() else Path("/work/shared")


SHARED = _shared()
POLIS = SHARED / "data" / "polis"


def polis_conversations(with_votes: bool = True) -> list[str]:
    """Names of the shared conversations; an empty list (and a loud failure in CI) when the data is absent."""
    if not POLIS.is_dir():
        return []
    names = sorted(p.name for p in POLIS.iterdir() if (p / "comments.csv").exists())
    if with_votes:
        names = [n for n in names if (POLIS / n / "participants-votes.csv").exists()]
    return names


@pytest.fixture(scope="session")
def polis_root() -> Path:
    if not POLIS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"shared Pol.is data not found at {POLIS}")
        pytest.skip(f"shared Pol.is data not found at {POLIS}")
    return POLIS


# --- Databases: every store test runs on SQLite and on PostgreSQL -------------------------------------------------

POSTGRES_ADMIN_URL = os.environ.get(
    "WORKINGUP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test: migrations run once, every test starts clean."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    Database.open(f"sqlite:///{path}", migrate=True).close()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated, dropped at the end.

    Mandatory when CI is set: an unreachable server fails the run instead of skipping half the suite.
    """
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"workingup_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        message = f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {str(error.orig).strip()}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    Database.open(url, migrate=True).close()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated database: a copy of the SQLite template, or the session's PostgreSQL database wiped."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        db = Database.open(f"sqlite:///{path}")
    else:
        db = Database.open(request.getfixturevalue("postgres_url"))
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    try:
        yield db
    finally:
        db.close()
