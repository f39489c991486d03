"""Opinion groups on real and planted conversations: no seed moves them, none is too small to report, two planted
camps are two groups — the promises of docs/architecture.md §3.2, on data the method was not written for."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from tests.conftest import polis_conversations
from workingup.analysis import VoteMatrix, analyze
from workingup.analysis.clustering import MIN_GROUP_SIZE
from workingup.planted_blocs import plant_conversation
from workingup.simulation import simulate_dialogue

FAST = ["15-per-hour-seattle", "bg2050-volunteers", "london.youth.policing"]


def _seeds_agree(matrix: VoteMatrix, seeds: range) -> None:
    first = analyze(matrix, random_state=seeds[0])
    for seed in seeds[1:]:
        np.testing.assert_array_equal(analyze(matrix, random_state=seed).labels, first.labels)


@pytest.mark.parametrize("name", FAST)
def test_the_seed_does_not_move_the_groups(polis_root: Path, name: str) -> None:
    _seeds_agree(VoteMatrix.from_polis(polis_root / name), range(0, 10, 3))


@pytest.mark.slow
@pytest.mark.parametrize("name", polis_conversations())
def test_the_seed_does_not_move_the_groups_anywhere(polis_root: Path, name: str) -> None:
    matrix = VoteMatrix.from_polis(polis_root / name)
    if matrix.n_votes:
        _seeds_agree(matrix, range(10))


@pytest.mark.parametrize("name", polis_conversations())
def test_no_group_is_too_small_to_report(polis_root: Path, name: str) -> None:
    result = analyze(VoteMatrix.from_polis(polis_root / name))
    assert all(group.size >= MIN_GROUP_SIZE for group in result.groups)


def test_an_outlying_participant_does_not_void_the_groups(polis_root: Path) -> None:
    """bg2050-volunteers: k-means isolates one participant (groups [106, 1]); Pol.is shows [100, 8]."""
    from workingup.polis import read_polis

    conversation = read_polis(polis_root / "bg2050-volunteers")
    polis = {p.participant_id: p.group_id for p in conversation.participants if p.group_id is not None}
    matrix = VoteMatrix.from_polis(conversation)
    result = analyze(matrix)
    ids = matrix.participant_ids[result.clustered]
    labels = result.labels[result.clustered]
    known = np.array([int(i) in polis for i in ids])
    reference = np.array([polis[int(i)] for i in ids[known]])
    assert sorted(g.size for g in result.groups) != [1, 106]
    assert adjusted_rand_score(reference, labels[known]) > 0.9


def _oracle_ari(xy: np.ndarray, truth: np.ndarray) -> float:
    """The best any clustering of the map can do: each participant to the nearer true camp centre."""
    centres = np.array([xy[truth == g].mean(axis=0) for g in np.unique(truth)])
    nearest = np.argmin(((xy[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
    return float(adjusted_rand_score(truth, nearest))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 3])
def test_two_planted_camps_of_thousands_are_two_groups(seed: int) -> None:
    """Uneven votes (lognormal counts, Zipf popularity), 15,000 people: base-cluster silhouettes split it in 4."""
    planted = plant_conversation(15_000, 400, bloc_share=0.0, seed=seed)
    matrix = VoteMatrix.from_arrays(planted.participant, planted.statement, planted.value)
    result = analyze(matrix)
    clustered = result.clustered
    truth = np.asarray(planted.honest.group)[clustered]
    assert result.n_groups == 2
    ari = adjusted_rand_score(truth, result.labels[clustered])
    assert ari >= _oracle_ari(np.asarray(result.participant_xy)[clustered], truth) - 0.01


def test_two_planted_camps_are_two_groups_as_well_as_the_map_allows() -> None:
    sim = simulate_dialogue(4000, 80, votes_per_participant=(20, 60), seed=5)
    result = analyze(VoteMatrix.from_simulation(sim))
    clustered = result.clustered
    truth = np.asarray(sim.group)[clustered]
    assert result.n_groups == 2
    assert adjusted_rand_score(truth, result.labels[clustered]) >= 0.95
