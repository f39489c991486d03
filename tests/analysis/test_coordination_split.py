"""Sub-scripts of a bloc: a campaign of several scripts is split, a campaign of one is left whole."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from workingup.analysis.coordination_script import Followers, joint_posterior
from workingup.analysis.coordination_split import split_scripts
from workingup.analysis.matrix import VoteMatrix
from workingup.planted_blocs import plant_conversation


def _matrix_and_blocs(strategy: str, seed: int) -> tuple[VoteMatrix, np.ndarray]:
    c = plant_conversation(1500, 150, strategy=strategy, seed=seed)
    matrix = VoteMatrix.from_arrays(c.participant, c.statement, c.value)
    rows = np.searchsorted(np.asarray(matrix.participant_ids), np.arange(c.n_participants))
    bloc = np.full(matrix.n_participants, -1)
    bloc[rows] = c.bloc
    return matrix, bloc


@pytest.mark.parametrize("seed", [3, 4])
def test_four_sub_blocs_are_told_apart(seed: int) -> None:
    matrix, bloc = _matrix_and_blocs("sub_blocs", seed)
    members = np.flatnonzero(bloc >= 0)
    classes = split_scripts(matrix, members, min_size=5)
    assert len(classes.groups) == 4
    label = np.full(matrix.n_participants, -1)
    for k, group in enumerate(classes.groups):
        label[group] = k
    assert adjusted_rand_score(bloc[members], label[members]) >= 0.95
    # Anyone else is placed by the same model: a sub-bloc's members, classified afresh, land together.
    again = classes.classify(matrix, members)
    assert adjusted_rand_score(bloc[members], again) >= 0.95


def test_one_script_is_left_whole() -> None:
    matrix, bloc = _matrix_and_blocs("identical", 5)
    members = np.flatnonzero(bloc >= 0)
    classes = split_scripts(matrix, members, min_size=5)
    assert len(classes.groups) == 1
    assert np.array_equal(classes.groups[0], members)


def test_a_few_members_are_not_split() -> None:
    matrix, bloc = _matrix_and_blocs("sub_blocs", 3)
    members = np.flatnonzero(bloc >= 0)[:9]
    assert len(split_scripts(matrix, members, min_size=5).groups) == 1


def _followers(log_lr: np.ndarray, voted: np.ndarray) -> Followers:
    n = len(log_lr)
    return Followers(np.zeros(n, bool), log_lr, voted * 0.8, voted, 0.85, 0.1)


def test_joint_posterior_gives_one_chance_per_participant_not_one_per_script() -> None:
    rng = np.random.default_rng(0)
    n_follow, n_honest = 200, 1800
    # Two scripts sharing their targets: a follower's ratio is high against both; honest people's low, with
    # the occasional lucky one against each script.
    follow = rng.normal(8, 2, (n_follow, 2))
    honest = rng.normal(-6, 3, (n_honest, 2))
    log_lr = np.vstack([follow, honest])
    voted = np.full(n_follow + n_honest, 20.0)
    posterior = joint_posterior(
        [_followers(log_lr[:, 0], voted), _followers(log_lr[:, 1], voted)], min_shared=12
    )
    follows = posterior.sum(axis=1)
    assert follows[:n_follow].mean() > 0.99
    assert (follows[n_follow:] >= 0.75).mean() < 0.01
    # Who voted on too little of every script is nobody's follower.
    few = joint_posterior([_followers(log_lr[:, 0], voted * 0 + 3)], min_shared=12)
    assert not few.any()
