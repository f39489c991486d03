"""Analysing a dialogue from the store: runs (groups and convergence verdict) are stored, kept few, and give
routing priorities and stable labels."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from workingup.analysis import FORMAT
from workingup.dialogues import load_definition
from workingup.runtime.analyses import Analyses
from workingup.runtime.database import Database
from workingup.services.analysis_runs import (
    KEEP,
    dialogues_needing_analysis,
    latest_run,
    refresh_analysis,
    run_analysis,
    stored_groups,
)
from workingup.services.demo import populate_demo
from workingup.services.dialogues import install_definition
from workingup.services.stored_analysis import StoredAnalysis
from workingup.store import models
from workingup.store.votes import record_vote


def _demo(database: Database, public: int = 40) -> int:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        populate_demo(session, dialogue, public=public, seed=11)
        return dialogue.id


def test_runs_are_stored_in_the_engines_format_and_only_the_newest_are_kept(database: Database) -> None:
    dialogue_id = _demo(database)
    previous = None
    with database.transaction() as session:
        dialogue = session.get_one(models.Dialogue, dialogue_id)
        sizes = []
        for _ in range(KEEP + 2):
            done = run_analysis(session, dialogue, previous)
            assert done is not None
            run, previous = done
            sizes.append([g.size for g in previous.groups])
        stored = session.scalar(select(func.count()).select_from(models.AnalysisRun))
        newest = latest_run(session, dialogue_id)
    assert stored == KEEP
    assert newest is not None
    assert newest.id == run.id
    data = json.loads(newest.result)
    assert data["analysis"]["format"] == FORMAT
    assert data["analysis"]["n_votes"] == newest.n_votes
    verdicts = data["convergence"]["verdict"]
    assert len(verdicts) == len(data["analysis"]["statements"]["id"])
    assert "convergence" in verdicts  # the demo plants bridging statements
    assert newest.n_groups >= 2
    assert all(s == sizes[0] for s in sizes)  # the same votes give the same groups, labels kept


def test_nothing_to_analyse_with_fewer_than_two_voters(database: Database) -> None:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        person = models.Participant(dialogue_id=dialogue.id)
        session.add(person)
        session.flush()
        statement_id = session.scalars(select(models.Statement.id)).first()
        assert statement_id is not None
        record_vote(
            session, dialogue_id=dialogue.id, participant_id=person.id, statement_id=statement_id, value=1
        )
        assert run_analysis(session, dialogue) is None
        assert dialogues_needing_analysis(session) == [dialogue.id]


def test_votes_trigger_a_background_analysis_and_priorities_follow_it(database: Database) -> None:
    dialogue_id = _demo(database)
    analyses = Analyses(database, delay=0.0)
    with database.sessions() as session:
        assert analyses.priority(session, dialogue_id) is None
        assert dialogues_needing_analysis(session) == [dialogue_id]  # votes, and no analysis yet
    analyses.votes_arrived(dialogue_id)
    deadline = time.monotonic() + 60
    while not analyses.refresher.idle() or analyses.refresher.runs == 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    with database.sessions() as session:
        priority = analyses.priority(session, dialogue_id)
        n_statements = session.scalar(select(func.count()).select_from(models.Statement))
        assert dialogues_needing_analysis(session) == []
    assert priority is not None
    assert len(priority) == n_statements
    assert all(p >= 0 for p in priority.values())
    # Routing by the verdict: each participant gets their own priority over the same statements, settled
    # verdicts last; with WORKINGUP_ROUTING=polis everyone gets Pol.is's.
    with database.sessions() as session:
        voters = list(session.scalars(select(models.CurrentVote.participant_id).distinct()))[:5]
        personal = [analyses.priority(session, dialogue_id, person) for person in voters]
        polis = Analyses(database, delay=0.0, routing="polis")
        assert polis.priority(session, dialogue_id, voters[0]) == priority
        polis.close()
        verdicts = StoredAnalysis.of(latest_run(session, dialogue_id)).verdicts  # type: ignore[arg-type]
    for mine in personal:
        assert mine is not None
        assert set(mine) == set(priority)
        assert all(p >= 0 for p in mine.values())
        assert mine != priority
    assert verdicts is not None
    analyses.close()


def _groups(run: models.AnalysisRun) -> dict[int, int | None]:
    participants = json.loads(run.result)["analysis"]["participants"]
    return dict(zip(participants["id"], participants["group"], strict=True))


def _rename_groups(database: Database, dialogue_id: int, names: dict[int, int]) -> dict[int, int | None]:
    """Rewrite the latest stored run's group labels, as if an earlier history had named the groups otherwise."""
    with database.transaction() as session:
        run = latest_run(session, dialogue_id)
        assert run is not None
        data = json.loads(run.result)
        groups = data["analysis"]["participants"]["group"]
        data["analysis"]["participants"]["group"] = [None if g is None else names[g] for g in groups]
        run.result = json.dumps(data)
        return _groups(run)


def test_group_names_survive_a_restart_through_the_stored_run(database: Database) -> None:
    dialogue_id = _demo(database)
    first = Analyses(database, delay=3600)
    with database.transaction() as session:
        run = first.run_now(session, session.get_one(models.Dialogue, dialogue_id))
        assert run is not None
        before = _groups(run)
    first.close()
    assert {0, 1} <= set(before.values())
    renamed = _rename_groups(database, dialogue_id, {0: 1, 1: 0} | {g: g for g in range(2, 10)})
    assert renamed != before

    restarted = Analyses(database, delay=3600)  # a new process: nothing of the first run in memory
    with database.transaction() as session:
        run = restarted.run_now(session, session.get_one(models.Dialogue, dialogue_id))
        assert run is not None
        assert _groups(run) == renamed  # the same votes, the same groups, named as stored
        again = run_analysis(session, session.get_one(models.Dialogue, dialogue_id))
        assert again is not None
        assert _groups(again[0]) == before  # without the stored names, the engine's own numbering
    restarted._refresh(dialogue_id)  # the background refresh reads the stored names too
    with database.sessions() as session:
        newest = latest_run(session, dialogue_id)
        assert newest is not None
        assert _groups(newest) == before  # named after the latest run, the one without stored names
    restarted.close()


def test_stored_groups_read_back_the_latest_run(database: Database) -> None:
    dialogue_id = _demo(database)
    with database.transaction() as session:
        assert stored_groups(session, dialogue_id) is None
        done = run_analysis(session, session.get_one(models.Dialogue, dialogue_id))
        assert done is not None
        run, result = done
        stored = stored_groups(session, dialogue_id)
        assert stored is not None
        assert stored.participant_ids.tolist() == result.participant_ids.tolist()
        assert stored.labels.tolist() == result.labels.tolist()
        run.result = run.result.replace(f'"format": "{FORMAT}"', '"format": "old"')
        assert stored_groups(session, dialogue_id) is None
        assert refresh_analysis(session, dialogue_id + 1000) is None  # no such dialogue
