"""The synthetic dialogue generator: seeded, shaped as asked, and faithful to the truth it plants."""

from __future__ import annotations

import numpy as np
import pytest

from workingup.simulation import simulate_dialogue


def test_same_seed_same_dialogue() -> None:
    a = simulate_dialogue(300, 40, seed=7)
    b = simulate_dialogue(300, 40, seed=7)
    assert np.array_equal(a.event_participant, b.event_participant)
    assert np.array_equal(a.event_value, b.event_value)
    assert not np.array_equal(a.event_value, simulate_dialogue(300, 40, seed=8).event_value)


def test_sparsity_and_history() -> None:
    sim = simulate_dialogue(2000, 80, votes_per_participant=(10, 60), revote_rate=0.05, seed=1)
    p, s, v = sim.final_votes()
    seen = np.bincount(p, minlength=2000)
    assert seen.min() >= 10
    assert seen.max() <= 60
    assert sim.n_events > len(v)  # changed votes keep their history
    assert np.all(np.diff(sim.event_time) >= 0)
    pairs = p * 80 + s
    assert len(np.unique(pairs)) == len(pairs)


def test_planted_support_shows_in_the_votes() -> None:
    sim = simulate_dialogue(3000, 60, n_groups=2, seed=3)
    p, s, v = sim.final_votes()
    voted = v != 0
    for group in (0, 1):
        mask = voted & (sim.group[p] == group)
        agree = np.bincount(s[mask], weights=(v[mask] == 1), minlength=60)
        total = np.bincount(s[mask], minlength=60)
        observed = agree / np.maximum(total, 1)
        # Observed agreement follows the planted per-group probability closely on average.
        assert np.mean(np.abs(observed - sim.group_agree_probability[group])) < 0.12
    bridging = sim.statements_of_type("bridging")
    assert np.all(sim.group_agree_probability[:, bridging] > 0.75)
    divisive = sim.statements_of_type("divisive")
    favoured = sim.favoured_group[divisive]
    assert np.all(sim.group_agree_probability[favoured, divisive] > 0.85)
    assert np.all(sim.group_agree_probability[1 - favoured, divisive] < 0.15)


@pytest.mark.parametrize("n_groups", [1, 3, 5])
def test_group_sizes_follow_weights(n_groups: int) -> None:
    sim = simulate_dialogue(1000, 30, n_groups=n_groups, seed=0)
    sizes = np.bincount(sim.group, minlength=n_groups)
    assert sizes.sum() == 1000
    assert sizes.max() - sizes.min() <= 1


def test_explicit_types_and_bad_arguments() -> None:
    sim = simulate_dialogue(
        100, 3, statement_types=["bridging", "divisive", "rejected"], favoured_group=[-1, 1, -1]
    )
    assert sim.favoured_group.tolist() == [-1, 1, -1]
    with pytest.raises(ValueError, match="statement_types"):
        simulate_dialogue(100, 3, statement_types=["bridging"])
    with pytest.raises(ValueError, match="favoured group"):
        simulate_dialogue(100, 2, statement_types=["divisive", "divisive"], favoured_group=[0, 5])
    with pytest.raises(ValueError, match="seen_counts"):
        simulate_dialogue(3, 3, seen_counts=[1, 2])
