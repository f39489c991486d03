"""Invariants over random small vote matrices (Hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workingup.analysis import VoteMatrix, analyze


@st.composite
def vote_arrays(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int], int]:
    n_p = draw(st.integers(1, 30))
    n_s = draw(st.integers(1, 12))
    cells = draw(st.lists(st.sampled_from([-1, 0, 1, None, None]), min_size=n_p * n_s, max_size=n_p * n_s))
    grid = np.array([np.nan if c is None else c for c in cells], dtype=float).reshape(n_p, n_s)
    p, s = np.nonzero(~np.isnan(grid))
    rejected = draw(st.lists(st.integers(0, n_s - 1), max_size=2, unique=True))
    seed = draw(st.integers(0, 2**16))
    # Sparse ids, so that participant order and id order differ from the row numbers.
    return 7 * p + 3, 11 * s + 1, grid[p, s].astype(int), [11 * r + 1 for r in rejected], seed


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vote_arrays())
def test_invariants(data: tuple[np.ndarray, np.ndarray, np.ndarray, list[int], int]) -> None:
    p, s, v, rejected, seed = data
    statements = 11 * np.arange((s.max() - 1) // 11 + 1 if len(s) else 1) + 1
    matrix = VoteMatrix.from_arrays(
        p, s, v, rejected=[r for r in rejected if r in statements], statements=statements
    )
    result = analyze(matrix)

    # Labels are a partition of exactly the clustered participants, into groups 0…k-1.
    assert np.array_equal(result.labels >= 0, result.clustered)
    assert sorted(set(result.labels[result.clustered].tolist())) == list(range(result.n_groups))
    assert sum(g.size for g in result.groups) == int(result.clustered.sum())

    # Probabilities in (0, 1); GIC in (0, 1); priorities finite and non-negative.
    for group in result.groups:
        for rep in group.representative:
            assert 0 < rep.p_success < 1
            assert rep.repness > 0
            assert not matrix.rejected[np.searchsorted(matrix.statement_ids, rep.statement_id)]
    for side in (result.consensus.agree, result.consensus.disagree):
        for c in side:
            assert 0.5 < c.p_success < 1
    if result.n_groups:
        assert np.all((result.group_informed_consensus > 0) & (result.group_informed_consensus < 1))
    assert np.all(np.isfinite(result.priority))
    assert np.all(result.priority >= 0)
    assert np.all(np.isfinite(result.participant_xy))

    # Matched to itself, every group keeps its label.
    assert np.array_equal(analyze(matrix, previous=result).labels, result.labels)

    # The order in which votes arrive changes nothing.
    order = np.random.default_rng(seed).permutation(len(v))
    shuffled = VoteMatrix.from_arrays(
        p[order],
        s[order],
        v[order],
        rejected=[r for r in rejected if r in statements],
        statements=statements[::-1],
    )
    assert analyze(shuffled).to_json() == result.to_json()
