"""The report's analysis: computed once per stored analysis version, in a thread when asked to prepare it."""

from __future__ import annotations

from tests.agenda import demo_table
from workingup.runtime.database import Database
from workingup.runtime.report_analyses import ReportAnalyses
from workingup.services.analysis_runs import run_analysis
from workingup.store import models


def test_kept_per_version_prepared_in_the_background(database: Database) -> None:
    table, _ = demo_table(database)
    cache = ReportAnalyses(database)
    with database.transaction() as session:
        assert run_analysis(session, session.get_one(models.Dialogue, table.dialogue_id)) is not None
    with database.sessions() as session:
        dialogue = session.get_one(models.Dialogue, table.dialogue_id)
        first = cache.prepare(session, dialogue.id)
        assert not first.ready
        assert first.started is not None
        analysis = cache.get(session, dialogue)  # waits for the thread rather than computing again
        assert cache.prepare(session, dialogue.id).ready
        assert cache.get(session, dialogue) is analysis
    with database.transaction() as session:  # a new stored run is a new version
        assert run_analysis(session, session.get_one(models.Dialogue, table.dialogue_id)) is not None
    with database.sessions() as session:
        dialogue = session.get_one(models.Dialogue, table.dialogue_id)
        assert not cache.prepare(session, dialogue.id).ready
        fresh = cache.get(session, dialogue)
        assert fresh is not analysis
        assert fresh.analysis.n_votes == analysis.analysis.n_votes


def test_only_the_most_recent_dialogues_are_kept(database: Database) -> None:
    table, _ = demo_table(database)
    cache = ReportAnalyses(database, kept=0)
    with database.sessions() as session:
        dialogue = session.get_one(models.Dialogue, table.dialogue_id)
        analysis = cache.get(session, dialogue)
        assert not cache.prepare(session, dialogue.id).ready
        assert cache.get(session, dialogue) is not analysis
