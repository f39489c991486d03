"""Bootstrap intervals for group-informed consensus: reproducible, and with about their nominal coverage."""

from __future__ import annotations

import numpy as np

from workingup.analysis.matrix import VoteMatrix
from workingup.analysis.uncertainty import gic_bootstrap


def _sample(rng: np.random.Generator, true: np.ndarray, per_group: int) -> tuple[VoteMatrix, np.ndarray]:
    n_groups, n_statements = true.shape
    group = np.repeat(np.arange(n_groups), per_group)
    participants = np.repeat(np.arange(len(group)), n_statements)
    statements = np.tile(np.arange(n_statements), len(group))
    agree = rng.random(len(participants)) < true[group[participants], statements]
    shown = rng.random(len(participants)) < 0.6
    return VoteMatrix.from_arrays(
        participants[shown],
        statements[shown],
        np.where(agree, 1, -1)[shown],
        participants=np.arange(len(group)),
    ), group


def test_intervals_cover_the_population_value_about_as_often_as_they_claim() -> None:
    rng = np.random.default_rng(4)
    true = rng.uniform(0.2, 0.95, size=(2, 60))
    # The population GIC: the same statistic on a very large sample (its pseudo-counts are then negligible).
    big, big_group = _sample(rng, true, 20_000)
    population, _, _ = gic_bootstrap(big, big_group, 2, n_boot=2)
    hits = []
    for _ in range(12):
        m, group = _sample(rng, true, 150)
        _, lower, upper = gic_bootstrap(m, group, 2, n_boot=300, random_state=int(rng.integers(1 << 30)))
        hits.append((lower <= population) & (population <= upper))
    assert 0.83 <= np.mean(hits) <= 0.96


def test_seeded_and_estimate_matches_the_formula() -> None:
    rng = np.random.default_rng(0)
    m, group = _sample(rng, rng.uniform(0.1, 0.9, size=(3, 10)), 30)
    a = gic_bootstrap(m, group, 3, n_boot=50, random_state=1)
    b = gic_bootstrap(m, group, 3, n_boot=50, random_state=1)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    dense = m.to_dense()
    expected = np.ones(10)
    for g in range(3):
        block = dense[group == g]
        na = np.nansum(block == 1, axis=0)
        ns = np.sum(~np.isnan(block), axis=0)
        expected *= (na + 1) / (ns + 2)
    assert np.allclose(a[0], expected)
    assert np.all(a[1] <= a[2])
