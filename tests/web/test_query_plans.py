"""A big dialogue must not slow a small one: every page's vote queries stay inside their dialogue, on an index.

Issue 18: with a 2M-vote Pol.is import beside the demo, the demo's dashboard took 25 s, because one query counted
every current vote of every dialogue once per statement. Timings belong in benchmarks (benchmarks/scale); what a
test can check without a stopwatch is the cause:

- the plan of every statement a page runs that reads `vote` or `current_vote` has no full scan of either table
  (SQLite's `EXPLAIN QUERY PLAN` says SEARCH, never SCAN: SQLite plans from the indexes alone, so this is the
  structural check; PostgreSQL's `EXPLAIN`, with sequential scans priced out, shows no Seq Scan. PostgreSQL
  chooses by cost, and on test-sized tables where one dialogue holds nearly every row a whole-index scan can
  honestly be the cheapest plan, so its check is the weaker one), and
- the number of statements each page runs does not change when another dialogue grows.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Connection

from tests.web.conftest import GENEROUS, PASSWORD, join_page, sign_in_page
from workingup.dialogues import load_definition
from workingup.runtime.database import Database
from workingup.services import accounts, participation
from workingup.services.analysis_runs import run_analysis
from workingup.services.coordination_watch import Watchman
from workingup.services.demo import populate_demo
from workingup.services.dialogues import get_dialogue, install_definition
from workingup.web.app import create_app

SLUG, OTHER = "working-up", "bravo-dialogue"
FACILITATOR_PAGES = (
    "/f",
    f"/f/{SLUG}",
    f"/f/{SLUG}/dashboard",
    f"/f/{SLUG}/moderation",
    f"/f/{SLUG}/moderation?status=all",
    f"/f/{SLUG}/roster",
    f"/f/{SLUG}/agenda",
    f"/f/{SLUG}/listening",
    f"/f/{SLUG}/tracker",
    f"/f/{SLUG}/report",
    f"/f/{SLUG}/alerts.json",
    f"/f/{SLUG}/export/top-statements.csv",
    f"/f/{SLUG}/export/statements.csv",
    f"/f/{SLUG}/export/participation.csv",
)
PARTICIPANT_PAGES = (
    f"/d/{SLUG}",
    f"/d/{SLUG}/vote",
    f"/d/{SLUG}/my-votes",
    f"/d/{SLUG}/agenda",
    f"/d/{SLUG}/profile",
    f"/d/{SLUG}/statements/new",
    f"/d/{SLUG}/tracker",
)
VOTE_TABLES = ("vote", "current_vote")
READS_VOTES = re.compile(r'\b(?:FROM|JOIN)\s+"?(?:vote|current_vote)"?(?:\s|$|,|\))', re.I)


@dataclasses.dataclass
class Recorder:
    """Every statement the app sends to the database while `on`, with its parameters."""

    statements: list[tuple[str, Any]] = dataclasses.field(default_factory=list)
    on: bool = False

    def __call__(
        self, conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        if self.on and not executemany:
            self.statements.append((statement, parameters))


@dataclasses.dataclass
class World:
    database: Database
    facilitator: TestClient
    participant: TestClient
    recorder: Recorder

    def visit(self, client: TestClient, path: str) -> list[tuple[str, Any]]:
        self.recorder.statements.clear()
        self.recorder.on = True
        try:
            response = client.get(path)
        finally:
            self.recorder.on = False
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        return list(self.recorder.statements)

    def pages(self) -> Iterator[tuple[TestClient, str]]:
        for path in FACILITATOR_PAGES:
            yield self.facilitator, path
        for path in PARTICIPANT_PAGES:
            yield self.participant, path


@pytest.fixture
def world(database: Database) -> Iterator[World]:
    definition = load_definition()
    with database.transaction() as s:
        a = install_definition(s, definition)
        a.open_join = a.published = True
        populate_demo(s, a, public=30, seed=3)
        b = install_definition(s, dataclasses.replace(definition, slug=OTHER, title="Bravo dialogue"))
        b.open_join = True
        someone = participation.join_open(s, b, participation.Profile(consent=True)).participant
        for statement_id in participation.accepted_ids(s, b.id)[:3]:
            participation.cast_vote(s, b, someone, statement_id, 1)
        account = accounts.create_facilitator(s, "fac@example.org", PASSWORD, "Facilitator")
        accounts.grant_dialogue(s, account, a)
        assert run_analysis(s, a) is not None
    recorder = Recorder()
    event.listen(database.engine, "before_cursor_execute", recorder)
    app = create_app(database, rate_limits=GENEROUS, analysis_delay=3600, analyse_on_start=False)
    app.state.watchman = Watchman(ttl=0)  # every alerts poll queries: its count must not depend on the clock
    with TestClient(app) as facilitator, TestClient(app) as participant:
        sign_in_page(facilitator, "fac@example.org")
        join_page(participant, SLUG)
        participant.post(
            f"/d/{SLUG}/vote",
            data={
                "csrf_token": participant.cookies["wu_csrf"],
                "statement_id": _first(participant),
                "value": "1",
            },
        )
        yield World(database, facilitator, participant, recorder)
    event.remove(database.engine, "before_cursor_execute", recorder)


def _first(client: TestClient) -> str:
    match = re.search(r'name="statement_id" value="(\d+)"', client.get(f"/d/{SLUG}/vote").text)
    assert match, "the vote page offers a statement"
    return match.group(1)


def full_scans(database: Database, statement: str, parameters: Any) -> list[str]:
    """The plan steps of `statement` that read a whole vote table (or a whole index of one)."""
    connection = database.engine.raw_connection()
    try:
        cursor = connection.cursor()
        if database.engine.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            steps = [row[-1] for row in cursor.fetchall()]
            return [s for s in steps if re.match(r"SCAN (?:vote|current_vote)\b", s)]
        # Tiny tables make a sequential scan the cheapest plan whatever the indexes; priced out, a Seq Scan that
        # remains is one no index can replace.
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
        plan = cursor.fetchone()[0]
        cursor.execute("RESET enable_seqscan")
        return list(
            _pg_full_scans(plan[0]["Plan"] if isinstance(plan, list) else json.loads(plan)[0]["Plan"])
        )
    finally:
        connection.rollback()
        connection.close()


def _pg_full_scans(node: dict[str, Any]) -> Iterator[str]:
    if node.get("Relation Name") in VOTE_TABLES:
        kind = node["Node Type"]
        if kind == "Seq Scan":
            yield f"{kind} on {node['Relation Name']}"
    for child in node.get("Plans", ()):
        yield from _pg_full_scans(child)


def test_no_page_scans_a_whole_vote_table(world: World) -> None:
    checked = 0
    problems = []
    for client, path in world.pages():
        for statement, parameters in world.visit(client, path):
            if not READS_VOTES.search(statement):
                continue
            checked += 1
            scans = full_scans(world.database, statement, parameters)
            if scans:
                problems.append(f"{path}: {scans} in\n{statement}")
    assert checked >= len(FACILITATOR_PAGES), "the pages read votes; the recorder must have seen them"
    assert not problems, "\n\n".join(problems)


def test_a_page_runs_as_many_queries_whatever_another_dialogue_holds(world: World) -> None:
    def counts() -> dict[str, int]:
        return {path: len(world.visit(client, path)) for client, path in world.pages()}

    counts()  # the first visit may fill caches
    small = counts()
    with world.database.transaction() as s:
        other = get_dialogue(s, OTHER)
        populate_demo(s, other, public=60, seed=5)
        assert run_analysis(s, other) is not None
    grown = counts()
    assert grown == small
