"""Consensus: Pol.is's own group-informed consensus to 1e-9, red-dwarf's majority consensus, and pass weighting."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from tests.analysis.reddwarf_reference import load, reddwarf_consensus
from tests.analysis.test_repness import assert_same_selection
from tests.conftest import polis_conversations
from workingup.analysis import (
    Z_90,
    GroupCounts,
    count_by_group,
    group_informed_consensus,
    majority_consensus,
)


def test_group_informed_consensus_equals_polis(polis_root: Path) -> None:
    """bg2050-volunteers' comments.csv carries Pol.is's own GIC: given its groups, ours equals it everywhere."""
    conv = load(polis_root / "bg2050-volunteers")
    assert conv.gic is not None
    assert len(conv.gic) == 371
    counts = count_by_group(conv.matrix, conv.polis_groups, int(conv.polis_groups.max()) + 1)
    ours = group_informed_consensus(counts)
    assert ours.shape == (371,)
    np.testing.assert_allclose(ours, conv.gic, rtol=0, atol=1e-9)


@pytest.mark.parametrize("name", polis_conversations())
def test_majority_consensus_equals_reddwarf(polis_root: Path, name: str) -> None:
    conv = load(polis_root / name)
    m = conv.matrix
    everyone = count_by_group(m, np.zeros(m.n_participants, dtype=np.int64), 1)
    eligible = (m.seen_per_statement > 0) & ~m.rejected & ~m.meta
    theirs = reddwarf_consensus(conv)
    for z in (Z_90, 1.2815515655446004):
        ours = majority_consensus(everyone, m.statement_ids, eligible, z=z)
        for side in ("agree", "disagree"):
            assert_same_selection(
                [
                    (s.statement_id, (s.n_success, s.n_trials, s.p_success, s.p_test))
                    for s in getattr(ours, side)
                ],
                [
                    (r["tid"], (r["n-success"], r["n-trials"], r["p-success"], r["p-test"]))
                    for r in theirs[side]
                ],
            )
    assert ours.agree, "every shared conversation has some agree consensus"


def test_majority_consensus_by_hand() -> None:
    # Statement ids 1…4; 4 is ineligible (rejected) although everyone agrees.
    counts = GroupCounts(np.array([[18, 10, 2, 20]]), np.array([[1, 9, 17, 0]]), np.array([[20, 20, 20, 20]]))
    ids = np.array([1, 2, 3, 4])
    result = majority_consensus(counts, ids, np.array([True, True, True, False]))
    assert [s.statement_id for s in result.agree] == [1]
    assert [s.statement_id for s in result.disagree] == [3]
    top = result.agree[0]
    assert (top.n_success, top.n_trials) == (18, 20)
    assert top.p_success == pytest.approx(19 / 22)
    assert top.p_test == pytest.approx(2 * math.sqrt(21) * (19 / 21 - 0.5))


def test_pass_weight() -> None:
    """compdemocracy/polis#1699: a pass can count as less than a disagree; 1 (Pol.is) is the default."""
    # One group: 6 agree, 0 disagree, 4 pass on statement 0; 6 agree, 4 disagree on statement 1.
    counts = GroupCounts(np.array([[6, 6]]), np.array([[0, 4]]), np.array([[10, 10]]))
    polis = group_informed_consensus(counts)
    assert polis[0] == polis[1] == pytest.approx(7 / 12)  # Pol.is: a pass weighs as much as a disagree
    ignored = group_informed_consensus(counts, pass_weight=0.0)
    assert ignored[0] == pytest.approx(7 / 8)
    assert ignored[1] == pytest.approx(7 / 12)
    half = group_informed_consensus(counts, pass_weight=0.5)
    assert ignored[0] > half[0] > polis[0]
    ids = np.array([0, 1])
    assert [
        s.statement_id for s in majority_consensus(counts, ids, np.ones(2, bool), pass_weight=0.0).agree
    ] == [0]
    weighted = majority_consensus(counts, ids, np.ones(2, bool), pass_weight=0.5).agree
    assert weighted
    assert weighted[0].n_trials == 8.0


def test_gic_is_a_product_over_groups_in_open_unit_interval() -> None:
    rng = np.random.default_rng(4)
    seen = rng.integers(0, 50, (4, 30))
    agree = rng.integers(0, seen + 1)
    disagree = rng.integers(0, seen - agree + 1)
    gic = group_informed_consensus(GroupCounts(agree, disagree, seen))
    assert np.all((gic > 0) & (gic < 1))
    np.testing.assert_allclose(gic, np.prod((agree + 1) / (seen + 2), axis=0))
