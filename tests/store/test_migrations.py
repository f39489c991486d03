"""The schema comes from Alembic migrations, and they describe exactly what the models say."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from workingup.runtime.database import Database
from workingup.services.errors import ServiceError
from workingup.store.migrate import current_revision, downgrade, head_revision, upgrade
from workingup.store.models import Base


def test_migrated_schema_matches_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    assert current_revision(database.engine) == head_revision()


def test_downgrade_removes_everything_and_upgrade_restores_it(database: Database) -> None:
    downgrade(database.engine, "base")
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    upgrade(database.engine)
    assert {t.name for t in Base.metadata.sorted_tables} <= set(inspect(database.engine).get_table_names())


def test_unmigrated_database_is_refused_with_advice(tmp_path: Path) -> None:
    with pytest.raises(ServiceError, match="run `workingup init`"):
        Database.open(f"sqlite:///{tmp_path / 'empty.db'}")


def test_sqlite_is_tuned_for_durability(tmp_path: Path) -> None:
    db = Database.open(f"sqlite:///{tmp_path / 'x.db'}", migrate=True)
    with db.engine.connect() as connection:
        pragmas = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys")
        }
    db.close()
    assert pragmas == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1}
