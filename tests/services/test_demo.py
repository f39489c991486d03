"""Demo data: the table's composition, everything marked simulated, and votes faithful to the planted truth."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from sqlalchemy import func, select

from workingup.dialogues import load_definition
from workingup.domain import Leaning, Role
from workingup.runtime.database import Database
from workingup.services.demo import populate_demo
from workingup.services.dialogues import install_definition
from workingup.store import models
from workingup.store.queries import current_votes, dialogue_counts


def test_demo_composition_and_simulated_flags(database: Database) -> None:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        result = populate_demo(session, dialogue, public=300, seed=5)
    with database.sessions() as session:
        people = session.scalars(select(models.Participant)).all()
        roles = Counter(p.role for p in people)
        assert roles == {Role.STAKEHOLDER: 30, Role.ADVISOR: 6, Role.COMMUNITY_VOICE: 12, Role.PUBLIC: 300}
        table = [p for p in people if p.role == Role.STAKEHOLDER]
        seats = {s.key: s.seats for s in load_definition().sectors}
        assert Counter(p.sector for p in table) == seats
        policy = [p.leaning.side for p in table if p.sector == "policy"]
        assert policy.count("left") >= 3
        assert policy.count("right") >= 3
        assert all(p.simulated for p in people)
        assert session.scalar(select(func.count()).where(models.Vote.simulated.is_(False))) == 0
        counts = dialogue_counts(session, dialogue.id)
        assert counts.any_simulated
        assert counts.vote_events == result.simulation.n_events
        # Stakeholders vote on most statements; the public sees 10-60.
        p, _, _ = current_votes(session, dialogue.id)
        seen = Counter(p.tolist())
        public_ids = [x.id for x in people if x.role == Role.PUBLIC]
        assert min(seen[i] for i in public_ids) >= 10
        assert max(seen[i] for i in public_ids) <= 60
        assert min(seen[x.id] for x in table) >= len(load_definition().statements) - 15


def test_declared_leaning_follows_the_planted_side(database: Database) -> None:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        result = populate_demo(session, dialogue, public=1000, seed=2)
    with database.sessions() as session:
        leaning = {p.id: p.leaning for p in session.scalars(select(models.Participant))}
    sides = np.array([leaning[int(i)].side or "none" for i in result.participant_ids])
    group = result.simulation.group
    declared = sides != "none"
    left_group = group[declared & (sides == "left")]
    right_group = group[declared & (sides == "right")]
    assert np.mean(left_group == 0) == 1.0
    assert np.mean(right_group == 1) == 1.0
    assert (sides == "none").mean() > 0.4  # most of the public does not say


@pytest.mark.slow
def test_bridging_seeds_are_agreed_by_both_sides_and_partisan_ones_split(database: Database) -> None:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        result = populate_demo(session, dialogue, public=1500, seed=1)
    sim = result.simulation
    p, s, v = sim.final_votes()
    appeal = {st.text: st.appeal for st in load_definition().statements}
    with database.sessions() as session:
        texts = {st.id: st.text for st in session.scalars(select(models.Statement))}
    appeals = np.array([appeal[texts[int(i)]] for i in result.statement_ids])
    rate = np.zeros((2, sim.n_statements))
    for g in (0, 1):
        mask = (sim.group[p] == g) & (v != 0)
        rate[g] = np.bincount(s[mask], weights=v[mask] == 1, minlength=sim.n_statements) / np.maximum(
            np.bincount(s[mask], minlength=sim.n_statements), 1
        )
    both = appeals == "both"
    assert rate[:, both].min() > 0.6
    assert (rate[0, appeals == "left"] - rate[1, appeals == "left"]).min() > 0.4
    assert (rate[1, appeals == "right"] - rate[0, appeals == "right"]).min() > 0.4
    assert Leaning.UNDISCLOSED.side is None


def test_simulated_stances_follow_the_votes() -> None:
    from workingup.domain import Stance
    from workingup.services.demo import simulated_stance

    assert simulated_stance([1, 1, 1])[0] == Stance.ENDORSE
    assert simulated_stance([1, 1, -1])[0] == Stance.RESERVATIONS
    assert simulated_stance([1, -1, 0])[0] == Stance.STAND_ASIDE
    assert simulated_stance([-1, -1]) == (
        Stance.BLOCK,
        "Simulated: disagreed with every statement this rests on.",
    )
    assert simulated_stance([-1])[0] == Stance.STAND_ASIDE
    assert simulated_stance([])[0] == Stance.STAND_ASIDE


def test_the_demo_table_answers_a_round_and_a_recommendation_can_be_adopted(database: Database) -> None:
    """Issue 19: the simulated table never endorsed, so every demo recommendation read "Not adopted: 1 of 31"."""
    from tests.agenda import DRAFT, demo_table
    from workingup.domain import AdoptionRule, Outcome
    from workingup.services import endorsements, recommendations
    from workingup.services.demo import open_demo

    table, analysis = demo_table(database)
    with database.transaction() as session:
        d = session.get_one(models.Dialogue, table.dialogue_id)
        open_demo(session, d)
        recommendations.draft(session, d, statement_ids=[table.converged[0]], analysis=analysis, **DRAFT)
        endorsements.open_round(session, d, AdoptionRule.THRESHOLD, threshold=0.75)
    with database.sessions() as session:
        result = endorsements.results(session, session.get_one(models.Dialogue, table.dialogue_id)).result(1)
    assert result.no_answer == 0
    assert result.table_size == 30
    assert result.outcome == Outcome.ADOPTED


def test_outside_the_demo_simulated_stakeholders_stay_silent(database: Database) -> None:
    from tests.agenda import DRAFT, demo_table
    from workingup.domain import AdoptionRule
    from workingup.services import endorsements, recommendations

    table, analysis = demo_table(database)
    with database.transaction() as session:
        d = session.get_one(models.Dialogue, table.dialogue_id)
        recommendations.draft(session, d, statement_ids=[table.converged[0]], analysis=analysis, **DRAFT)
        endorsements.open_round(session, d, AdoptionRule.UNANIMITY)
    with database.sessions() as session:
        result = endorsements.results(session, session.get_one(models.Dialogue, table.dialogue_id)).result(1)
    assert result.no_answer == 30
