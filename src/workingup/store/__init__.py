"""The store: schema, migrations and the queries that speak SQL. Nothing else in the project writes SQL."""

# Every module holding mapped classes is imported here, so `Base.metadata` always describes the whole schema.
from workingup.store import agenda as _agenda  # noqa: F401
from workingup.store import listening as _listening  # noqa: F401
from workingup.store.engine import make_engine, make_sessionmaker
from workingup.store.migrate import is_current, upgrade

__all__ = ["is_current", "make_engine", "make_sessionmaker", "upgrade"]
