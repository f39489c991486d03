"""Declared blocs: Beta-posterior intervals with their nominal coverage, and the cross-bloc minimum."""

from __future__ import annotations

import numpy as np
import pytest

from workingup.analysis.blocs import bloc_support
from workingup.analysis.matrix import VoteMatrix


def test_ninety_percent_intervals_cover_the_true_rate_about_ninety_percent_of_the_time() -> None:
    rng = np.random.default_rng(0)
    n_statements, per_bloc = 400, 40
    true = rng.uniform(0.05, 0.95, size=(2, n_statements))
    participants = np.repeat(np.arange(2 * per_bloc), n_statements)
    statements = np.tile(np.arange(n_statements), 2 * per_bloc)
    bloc_of_participant = np.repeat([0, 1], per_bloc)
    agree = rng.random(len(participants)) < true[bloc_of_participant[participants], statements]
    # Each participant sees a random half, so blocs have different counts per statement.
    shown = rng.random(len(participants)) < 0.5
    m = VoteMatrix.from_arrays(participants[shown], statements[shown], np.where(agree, 1, -1)[shown])
    support = bloc_support(m, bloc_of_participant, ("left", "right"))
    covered = (support.lower <= true) & (true <= support.upper)
    assert 0.85 <= covered.mean() <= 0.95


def test_cross_bloc_support_is_the_weakest_lower_bound_and_nan_when_thin() -> None:
    # Statement 0: both blocs agree strongly. Statement 1: right bloc disagrees. Statement 2: right bloc absent.
    p = np.r_[np.arange(20), np.arange(20), np.arange(10)]
    s = np.r_[np.zeros(20, int), np.ones(20, int), np.full(10, 2)]
    v = np.r_[np.ones(20), np.r_[np.ones(10), -np.ones(10)], np.ones(10)].astype(int)
    bloc = np.repeat([0, 1], 10)
    support = bloc_support(VoteMatrix.from_arrays(p, s, v), bloc, ("left", "right"))
    assert support.cross_bloc_support[0] == pytest.approx(support.lower[:, 0].min())
    assert support.cross_bloc_support[0] > 0.75
    assert support.weakest_bloc[1] == 1
    assert support.cross_bloc_support[1] < 0.1
    assert np.isnan(support.cross_bloc_support[2])
    assert support.weakest_bloc[2] == -1
    assert support.bloc_sizes.tolist() == [10, 10]


def test_weights_make_a_bloc_count_once() -> None:
    p = np.arange(12)
    s = np.zeros(12, int)
    v = np.r_[np.ones(10), -np.ones(2)].astype(int)
    weight = np.r_[np.full(10, 0.1), np.ones(2)]
    support = bloc_support(
        VoteMatrix.from_arrays(p, s, v), np.zeros(12, int), ("all",), participant_weight=weight
    )
    assert support.agree[0, 0] == pytest.approx(1.0)
    assert support.trials[0, 0] == pytest.approx(3.0)


def test_bad_bloc_array() -> None:
    m = VoteMatrix.from_arrays([1, 2], [1, 1], [1, 1])
    with pytest.raises(ValueError, match="one entry per participant"):
        bloc_support(m, np.array([0]), ("a",))
    with pytest.raises(ValueError, match="bloc indices"):
        bloc_support(m, np.array([0, 3]), ("a",))
