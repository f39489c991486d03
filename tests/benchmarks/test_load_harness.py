"""The load harness run for real at a tiny scale: the real server, real kills, the ledger check.

Four clients × 40 votes, one SIGKILL under load, and an abusive client: no acknowledged vote lost, none
duplicated, no 5xx, the abuser refused with 429s and the honest clients never. Timings are not asserted here
(they live in benchmarks/load/README.md).
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from benchmarks.load.run import main
from benchmarks.load.server import POSTGRES_ADMIN_URL
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError


def _postgres_or_skip() -> None:
    engine = create_engine(POSTGRES_ADMIN_URL)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not reachable: {error.orig}")
        pytest.skip(f"PostgreSQL not reachable: {error.orig}")
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_tiny_load_with_a_kill_loses_nothing(database: str, tmp_path: Path) -> None:
    if database == "postgresql":
        _postgres_or_skip()
    out = tmp_path / "result.json"
    args = ["--database", database, "--clients", "4", "--votes", "40", "--kills", "1", "--seed", "3"]
    # Honest clients at 8 votes/s under a 600/min limit (10/s, burst 20); the abuser sends 150 at once.
    args += ["--max-rate", "8", "--vote-limit", "600/20", "--abuse-requests", "150", "--abuse-streams", "4"]
    args += ["--no-peer", "--quiet", "--max-seconds", "120", "--json", str(out)]
    # Its own thread: the harness calls asyncio.run, and a browser test run earlier in this worker may have left
    # an event loop running in the main thread (Playwright's sync API does).
    with ThreadPoolExecutor(max_workers=1) as pool:
        code = pool.submit(main, args).result()
    result = json.loads(out.read_text())
    check = result["check"]
    assert check["lost"] == 0
    assert check["duplicated"] == 0
    assert check["extra"] == 0
    assert check["current_wrong"] == 0
    assert check["out_of_order"] == 0
    assert result["responses_5xx"] == 0, result["server_errors"]
    assert len(result["kills"]) == 1
    assert result["lost_at_kills"] == 0
    assert result["honest_429"] == 0
    assert result["abusive_429"] > 0
    assert result["statements_lost"] == 0
    assert check["acknowledged"] >= 4 * 40 * 0.9  # a kill may leave a few unknown, never many
    assert result["durability"] in (
        {"journal_mode": "wal", "synchronous": 2},
        {"synchronous_commit": "on", "fsync": "on"},
    )
    assert code == 0, result
