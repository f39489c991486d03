"""Coordinated voting: found when planted, not invented in honest or real dialogues."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import polis_conversations
from workingup.analysis.coordination import detect_coordination
from workingup.analysis.matrix import VoteMatrix
from workingup.simulation import simulate_dialogue


def _with_bots(sim, n_bots: int, pattern_from: int, n_statements: int, rng, jitter: float = 0.0):
    """Append `n_bots` accounts copying participant `pattern_from`'s votes (or nearly, with `jitter`)."""
    p, s, v = sim.final_votes()
    template = np.flatnonzero(p == pattern_from)
    statements, values = s[template], v[template]
    bot_p, bot_s, bot_v = [], [], []
    for b in range(n_bots):
        flip = rng.random(len(values)) < jitter
        votes = np.where(flip, -values, values)
        bot_p.append(np.full(len(values), sim.n_participants + b))
        bot_s.append(statements)
        bot_v.append(votes)
    return (
        np.r_[p, *bot_p],
        np.r_[s, *bot_s],
        np.r_[v, *bot_v].astype(np.int8),
    )


@pytest.mark.parametrize(("n", "n_statements", "seed"), [(2000, 73, 0), (10000, 300, 1)])
def test_honest_simulated_dialogues_have_no_blocs(n: int, n_statements: int, seed: int) -> None:
    sim = simulate_dialogue(n, n_statements, seed=seed)
    assert detect_coordination(VoteMatrix.from_simulation(sim)).blocs == ()


def test_an_identical_bloc_is_found_whole_and_weighted_to_one_voice() -> None:
    sim = simulate_dialogue(2000, 60, votes_per_participant=(20, 60), seed=2)
    rng = np.random.default_rng(0)
    heavy = int(np.argmax(np.bincount(sim.final_votes()[0])))
    p, s, v = _with_bots(sim, 50, heavy, 60, rng)
    report = detect_coordination(VoteMatrix.from_arrays(p, s, v))
    assert len(report.blocs) == 1
    bloc = report.blocs[0]
    assert set(range(2000, 2050)) <= set(bloc.participant_ids)
    assert bloc.size <= 51  # the copied participant itself may join its copies
    assert bloc.agreement == 1.0
    assert np.isclose(report.participant_weight[2000:2050].sum(), 50 / bloc.size)
    assert np.all(report.participant_weight[:2000][~np.isin(np.arange(2000), bloc.participant_ids)] == 1.0)
    assert len(bloc.unanimous) >= 20


def test_a_burst_of_alike_newcomers_is_reported_with_its_arrival_spread() -> None:
    sim = simulate_dialogue(1500, 50, votes_per_participant=(25, 50), seed=3)
    rng = np.random.default_rng(1)
    heavy = int(np.argmax(np.bincount(sim.final_votes()[0])))
    p, s, v = _with_bots(sim, 12, heavy, 50, rng)
    times = np.r_[rng.uniform(0, 14 * 86400, 1500), 5 * 86400 + rng.uniform(0, 120, 12)]
    report = detect_coordination(VoteMatrix.from_arrays(p, s, v), first_vote_time=times)
    assert len(report.blocs) == 1
    spread = report.blocs[0].arrival_spread_s
    assert spread is not None
    assert report.blocs[0].size == 12 or spread > 120  # the copied honest participant arrived elsewhere


@pytest.mark.parametrize("name", polis_conversations())
def test_real_conversations_flag_few_if_any(polis_root, name: str) -> None:
    matrix = VoteMatrix.from_polis(polis_root / name)
    report = detect_coordination(matrix)
    # Real dialogues may hold a handful of duplicate accounts; never a sizeable share of the participants.
    assert report.n_flagged <= max(10, 0.01 * matrix.n_participants)
    for bloc in report.blocs:
        assert bloc.density >= 0.8
        assert bloc.agreement >= 0.95
        assert bloc.mean_shared >= 12
