"""While another program holds SQLite's write lock, a write answers 503 with Retry-After, not 500."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.web.conftest import GENEROUS, csrf
from workingup.dialogues import load_definition
from workingup.runtime.database import Database
from workingup.services.dialogues import install_definition
from workingup.web.app import create_app


@pytest.fixture
def sqlite_database(sqlite_template: Any, tmp_path: Any) -> Database:
    import shutil

    path = tmp_path / "busy.db"
    shutil.copy(sqlite_template, path)
    database = Database.open(f"sqlite:///{path}")
    with database.transaction() as session:
        install_definition(session, load_definition()).open_join = True

    def short_wait(connection: Any, _record: Any) -> None:
        connection.execute("PRAGMA busy_timeout=200")  # the server's 30 s, shortened for the test

    database.engine.dispose()
    event.listen(database.engine, "connect", short_wait)
    return database


def test_a_write_while_the_database_is_locked_answers_503_then_works(sqlite_database: Database) -> None:
    path = sqlite_database.engine.url.database
    assert path is not None
    app = create_app(sqlite_database, rate_limits=GENEROUS, analysis_delay=3600, analyse_on_start=False)
    with TestClient(app) as client:
        token = csrf(client)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another program (an import) holds the write lock
        try:
            page = client.post(
                "/d/working-up/join", data={"csrf_token": token, "consent": "yes"}, follow_redirects=False
            )
            api = client.post("/api/v1/dialogues/working-up/participants", json={"consent": True})
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert page.status_code == 503
        assert page.headers["retry-after"] == "2"
        assert "try again" in page.text
        assert api.status_code == 503
        assert api.headers["retry-after"] == "2"
        assert "busy" in api.json()["detail"]
        again = client.post("/api/v1/dialogues/working-up/participants", json={"consent": True})
        assert again.status_code == 201
