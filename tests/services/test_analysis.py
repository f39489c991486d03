"""The whole stack on the demo dialogue: store → matrix → groups → three lenses, scored against planted truth."""

from __future__ import annotations

import json

import numpy as np
import pytest

from workingup.dialogues import load_definition
from workingup.runtime.database import Database
from workingup.services.analysis import SIDES, analyze_dialogue, load_votes
from workingup.services.demo import populate_demo
from workingup.services.dialogues import install_definition
from workingup.store import models


@pytest.mark.slow
def test_demo_dialogue_verdicts_follow_the_planted_appeal(database: Database) -> None:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        populate_demo(session, dialogue, public=1500, seed=7)
        session.add(models.Statement(dialogue_id=dialogue.id, text="A new statement nobody has seen yet"))
    with database.sessions() as session:
        dialogue = session.get(models.Dialogue, dialogue.id)
        assert dialogue is not None
        votes = load_votes(session, dialogue)
        result = analyze_dialogue(session, dialogue)
    matrix = votes.matrix
    assert matrix.n_participants == 1500 + 48
    assert set(votes.side.tolist()) == {-1, 0, 1}
    assert np.isfinite(votes.first_vote_time).all()
    appeal = {s.text: s.appeal for s in load_definition().statements}
    appeals = np.array([appeal.get(votes.texts[int(sid)], "new") for sid in matrix.statement_ids])
    verdict = result.convergence.verdict
    assert result.analysis.n_groups >= 2
    assert (verdict[appeals == "both"] == "convergence").mean() >= 0.8
    assert np.all(verdict[np.isin(appeals, ["left", "right"])] != "convergence")
    assert (verdict[np.isin(appeals, ["left", "right"])] == "divided").mean() >= 0.9
    assert verdict[appeals == "new"].tolist() == ["needs_more_votes"]
    assert result.convergence.blocs is not None
    assert result.convergence.blocs.bloc_names == SIDES
    assert result.sectors is not None
    assert "employers" in result.sectors.bloc_names
    document = json.loads(result.to_json())
    assert document["convergence"]["verdict"] == verdict.tolist()
    assert document["analysis"]["n_votes"] == matrix.n_votes


def test_a_dialogue_without_votes_is_analysed_without_error(database: Database) -> None:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
    with database.sessions() as session:
        result = analyze_dialogue(session, session.get(models.Dialogue, dialogue.id))
    assert result.analysis.n_groups == 0
    assert set(result.convergence.verdict.tolist()) == {"needs_more_votes"}
