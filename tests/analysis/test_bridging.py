"""The bridging lens recovers planted truth: bridging statements by intercept, divisive ones by factor sign."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from workingup.analysis.bridging import BridgingModel
from workingup.analysis.matrix import VoteMatrix
from workingup.simulation import simulate_dialogue


def _planted_sign_agreement(sim, factor: np.ndarray) -> float:
    divisive = sim.statements_of_type("divisive")
    # Planted axis: group 1 sits at +1, group 0 at -1; the fit's global sign is arbitrary, so align it first.
    planted = np.where(sim.favoured_group[divisive] == 1, 1.0, -1.0)
    got = np.sign(factor[divisive])
    return float(max(np.mean(planted == got), np.mean(planted == -got)))


@pytest.mark.parametrize(
    ("n_participants", "n_statements", "seed"),
    [(1000, 60, 0), (1000, 60, 1), (5000, 200, 2), (20000, 400, 3)],
)
def test_planted_bridging_statements_are_recovered(n_participants: int, n_statements: int, seed: int) -> None:
    sim = simulate_dialogue(n_participants, n_statements, seed=seed)
    model = BridgingModel().fit(VoteMatrix.from_simulation(sim))
    bridging = np.asarray(sim.statement_type) == "bridging"
    assert roc_auc_score(bridging, model.table_.intercept) >= 0.99
    assert _planted_sign_agreement(sim, model.table_.factor) >= 0.97
    # Statuses: nothing planted as divisive or rejected is ever called bridging.
    called = model.table_.status == "bridging"
    assert not np.any(called & ~bridging)
    assert called[bridging].mean() >= 0.9
    divisive = np.asarray(sim.statement_type) == "divisive"
    assert (model.table_.status[divisive] == "divisive").mean() >= 0.95


@pytest.mark.parametrize("pass_rating", [0.5, None])
def test_pass_mapping_choice_on_planted_data(pass_rating: float | None) -> None:
    """Both treatments of a pass rank planted bridging statements first; the default (0.5) is Community Notes'."""
    sim = simulate_dialogue(3000, 100, pass_rate=0.3, seed=9)
    model = BridgingModel(pass_rating=pass_rating).fit(VoteMatrix.from_simulation(sim))
    bridging = np.asarray(sim.statement_type) == "bridging"
    assert roc_auc_score(bridging, model.table_.intercept) >= 0.99


def test_a_dialogue_where_everything_is_agreed_is_all_bridging() -> None:
    """The status does not depend on how the model splits the global offset (see the module docstring)."""
    sim = simulate_dialogue(400, 30, statement_types=["bridging"] * 30, seed=4)
    table = BridgingModel().fit(VoteMatrix.from_simulation(sim)).table_
    assert (table.status == "bridging").mean() >= 0.9


def test_thin_statements_are_never_called_bridging() -> None:
    types = ["bridging"] * 10 + ["divisive"] * 10
    sim = simulate_dialogue(600, 20, statement_types=types, votes_per_participant=(15, 20), seed=4)
    p, s, v = sim.final_votes()
    # Keep only 6 votes on statement 0, and only the votes of one planted side on statement 1.
    drop0 = np.flatnonzero(s == 0)[6:]
    drop1 = np.flatnonzero((s == 1) & (sim.group[p] == 1))
    keep = np.setdiff1d(np.arange(len(v)), np.r_[drop0, drop1])
    matrix = VoteMatrix.from_arrays(
        p[keep], s[keep], v[keep], participants=np.arange(600), statements=np.arange(20)
    )
    table = BridgingModel().fit(matrix).table_
    assert table.status[0] == "needs_more_votes"
    assert table.n_votes[0] == 6
    assert table.status[1] == "needs_more_votes"
    assert min(table.n_low_side[1], table.n_high_side[1]) < 3
    assert (table.status[2:10] == "bridging").mean() >= 0.75


def test_rejected_and_meta_statements_are_excluded() -> None:
    sim = simulate_dialogue(300, 20, seed=6)
    p, s, v = sim.final_votes()
    matrix = VoteMatrix.from_arrays(p, s, v, rejected=[3], meta=[4])
    model = BridgingModel().fit(matrix)
    assert model.table_.status[3] == "excluded"
    assert model.table_.status[4] == "excluded"
    assert model.table_.n_votes[3] == 0


@pytest.mark.slow
def test_intercept_intervals_cover_the_population_intercept() -> None:
    population = simulate_dialogue(100_000, 40, seed=11)
    full = VoteMatrix.from_simulation(population)
    truth = BridgingModel().fit(full).fit_.statement_intercept
    rng = np.random.default_rng(0)
    hits = []
    for _ in range(8):
        sample = full.subset_participants(np.sort(rng.choice(100_000, 2000, replace=False)))
        fit = BridgingModel().fit(sample).fit_
        half = 1.6449 * fit.statement_intercept_se
        hits.append(np.abs(fit.statement_intercept - truth) <= half)
    assert 0.84 <= np.mean(hits) <= 0.97
