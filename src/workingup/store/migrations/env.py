"""Alembic environment: runs migrations on the engine the caller hands over, or on WORKINGUP_DATABASE_URL."""

from __future__ import annotations

from alembic import context

from workingup.config import Settings
from workingup.store.engine import make_engine
from workingup.store.models import Base

config = context.config
engine = config.attributes.get("engine") or make_engine(Settings.from_env().database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
