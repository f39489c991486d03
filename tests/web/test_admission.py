"""The admission gate: more requests at once than the pool has connections all get answered, none with a 500.

Without the gate this is the deadlock the load harness met on PostgreSQL: requests holding a connection wait for a
worker thread while every worker thread waits for a connection, until the pool's timeout answers 500."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import GENEROUS, join_api
from workingup.runtime.database import Database
from workingup.store import make_engine
from workingup.store.engine import make_sessionmaker
from workingup.web.admission import Admission, admitted_for
from workingup.web.app import WORKER_THREADS, create_app


def _small(database: Database) -> Database:
    """The same database behind a pool of three connections that gives up after two seconds."""
    engine = make_engine(database.url, pool_size=2, max_overflow=1, pool_timeout=2)
    return Database(database.url, engine, make_sessionmaker(engine))


def test_the_gate_is_below_the_pool(database: Database) -> None:
    small = _small(database)
    try:
        assert admitted_for(small.engine) == 1
        assert 1 <= admitted_for(database.engine) < 40
    finally:
        small.close()


def test_more_requests_than_connections_are_all_answered(database: Database, dialogue: str) -> None:
    small = _small(database)
    try:
        app = create_app(small, rate_limits=GENEROUS)
        with TestClient(app) as client:
            people = [join_api(client, dialogue) for _ in range(6)]
            requests = 8 * WORKER_THREADS  # far more than the three connections and the worker threads

            def ask(i: int) -> int:
                person = people[i % len(people)]
                return client.get(f"/api/v1/dialogues/{dialogue}/me/next", headers=person.headers).status_code

            with ThreadPoolExecutor(max_workers=requests) as pool:
                statuses = list(pool.map(ask, range(requests)))
        assert statuses == [200] * requests
        gate = _gate(app)
        assert gate.limit == 1
        assert gate.waited > 0  # the test did crowd the gate
    finally:
        small.close()


def _gate(app: object) -> Admission:
    layer = getattr(app, "middleware_stack", None)
    while layer is not None and not isinstance(layer, Admission):
        layer = getattr(layer, "app", None)
    if layer is None:
        pytest.fail("no admission gate in the application's middleware")
    return layer
