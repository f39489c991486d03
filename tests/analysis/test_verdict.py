"""The calibrated call: per-side posterior from an empirical-Bayes prior, its interval, and what routing reads."""

from __future__ import annotations

import numpy as np
import pytest

from workingup.analysis.convergence import convergence
from workingup.analysis.matrix import VoteMatrix
from workingup.analysis.verdict import factor_sides, side_counts, side_posterior
from workingup.simulation import simulate_dialogue


def _mixture(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Statements whose true side supports are drawn from three kinds (bridge, divisive, lukewarm), with
    lognormal vote counts split between the sides; returns agree, trials, the truth and the true θ."""
    kind = rng.choice(3, size=n, p=[0.3, 0.4, 0.3])
    theta = np.empty((2, n))
    theta[:, kind == 0] = rng.uniform(0.8, 0.95, (2, int(np.sum(kind == 0))))
    high = rng.random(int(np.sum(kind == 1))) < 0.5
    theta[:, kind == 1] = np.where(high, [[0.1], [0.9]], [[0.9], [0.1]])
    theta[:, kind == 2] = rng.uniform(0.35, 0.6, (2, int(np.sum(kind == 2))))
    votes = np.maximum(2, np.round(np.exp(rng.normal(np.log(30), 1.0, n)))).astype(int)
    trials = np.vstack([rng.binomial(votes, 0.55), np.zeros(n, int)])
    trials[1] = votes - trials[0]
    agree = rng.binomial(trials, theta)
    return agree.astype(float), trials.astype(float), kind == 0, theta


@pytest.mark.parametrize("seed", [0, 1])
def test_probabilities_are_calibrated_and_the_rule_is_precise(seed: int) -> None:
    rng = np.random.default_rng(seed)
    agree, trials, truth, _ = _mixture(3000, rng)
    post = side_posterior(agree, trials)
    p = post.probability
    # Calibration: among statements given p in a band, the share that truly bridge is about p.
    for lo, hi in [(0.0, 0.1), (0.1, 0.5), (0.5, 0.9), (0.9, 1.0)]:
        band = (p >= lo) & (p < hi) if hi < 1.0 else (p >= lo)
        if band.sum() >= 40:
            assert abs(truth[band].mean() - p[band].mean()) < 0.1, (lo, hi)
    assert np.all((post.lower <= post.upper) & (post.lower >= 0) & (post.upper <= 1))
    called = p >= 0.99
    assert called.sum() > 0.5 * truth.sum()
    assert truth[called].mean() >= 0.99


def test_few_votes_give_a_wide_interval_and_a_middling_probability() -> None:
    rng = np.random.default_rng(3)
    agree, trials, _, _ = _mixture(2000, rng)
    # Two extra statements with the same observed shares (85% on both sides): 6 and 200 votes per side.
    agree = np.c_[agree, [[5.1, 170.0], [5.1, 170.0]]]
    trials = np.c_[trials, [[6.0, 200.0], [6.0, 200.0]]]
    post = side_posterior(agree, trials)
    small, large = -2, -1
    assert post.upper[small] - post.lower[small] > 1.5 * (post.upper[large] - post.lower[large])
    assert post.lower[small] <= post.lower[large]
    assert post.upper[small] >= post.upper[large]
    assert post.probability[large] > 0.99
    assert 0.2 < post.probability[small] < 0.99
    assert post.lower[small] < 0.85 < post.upper[small]


def test_vote_value_is_highest_where_a_vote_could_settle_the_call() -> None:
    rng = np.random.default_rng(4)
    agree, trials, _, _ = _mixture(1500, rng)
    # Settled bridge, settled divisive, and one in doubt because its high side has hardly voted.
    agree = np.c_[agree, [[190.0, 10.0, 17.0], [185.0, 190.0, 1.0]]]
    trials = np.c_[trials, [[200.0, 200.0, 20.0], [200.0, 200.0, 1.0]]]
    value = side_posterior(agree, trials).vote_value()
    settled_bridge, settled_divisive, doubtful = -3, -2, -1
    assert value.shape == (2, agree.shape[1])
    assert np.all(value >= 0)
    assert value[1, doubtful] > 10 * max(value[1, settled_bridge], value[1, settled_divisive])
    # The doubt is on the high side: a vote from there settles more than one from the low side.
    assert value[1, doubtful] > value[0, doubtful]


def test_factor_sides_split_unequal_camps_in_the_gap() -> None:
    rng = np.random.default_rng(5)
    factor = np.r_[rng.normal(-1.0, 0.2, 550), rng.normal(1.0, 0.2, 450), [0.0]]
    voted = np.r_[np.ones(1000, bool), [False]]
    side = factor_sides(factor, voted)
    assert np.all(side[:550] == 0)
    assert np.all(side[550:1000] == 1)
    assert side[-1] == -1


def test_pass_modes_count_differently() -> None:
    rows = np.array([0, 1, 2])
    cols = np.array([0, 0, 0])
    values = np.array([1, 0, -1])
    side = np.array([0, 0, 0])
    weights = np.ones(3)
    counts = {
        mode: side_counts(rows, cols, values, weights, side, 1, mode) for mode in ("drop", "half", "disagree")
    }
    assert (counts["drop"][0][0, 0], counts["drop"][1][0, 0]) == (1.0, 2.0)
    assert (counts["half"][0][0, 0], counts["half"][1][0, 0]) == (1.5, 3.0)
    assert (counts["disagree"][0][0, 0], counts["disagree"][1][0, 0]) == (1.0, 3.0)
    with pytest.raises(ValueError, match="pass_mode"):
        side_counts(rows, cols, values, weights, side, 1, "skip")


def test_statements_with_fewer_than_ten_votes_are_never_called_convergence() -> None:
    """However unanimous: nine agree votes from both sides do not make a convergence verdict."""
    sim = simulate_dialogue(600, 40, seed=8)
    p, s, v = sim.final_votes()
    # A new statement, 40, that nine people (four of one camp, five of the other) all agree with.
    voters = np.r_[np.flatnonzero(sim.group == 0)[:4], np.flatnonzero(sim.group == 1)[:5]]
    matrix = VoteMatrix.from_arrays(
        np.r_[p, voters], np.r_[s, np.full(9, 40)], np.r_[v, np.ones(9, np.int8)], statements=np.arange(41)
    )
    result = convergence(matrix, sim.group, settings=None)
    assert result.verdict[40] == "needs_more_votes"
    bridging = np.asarray(sim.statement_type) == "bridging"
    assert np.mean(result.verdict[:40][bridging] == "convergence") >= 0.9
    assert result.support is not None
    assert result.participant_side is not None
