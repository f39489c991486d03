"""Representativeness equals red-dwarf 0.4.0's given the same (Pol.is's own) groups, on every shared conversation."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.analysis.reddwarf_reference import load, reddwarf_repness
from tests.conftest import polis_conversations
from workingup.analysis import (
    Z_90,
    GroupCounts,
    RepresentativeStatement,
    count_by_group,
    representativeness,
    select_representative,
)

_FIELDS = ("repful_for", "n_success", "n_trials", "p_success", "p_test", "repness", "repness_test")


def _ours(s: RepresentativeStatement) -> tuple[Any, ...]:
    return tuple(getattr(s, f) for f in _FIELDS)


def _theirs(r: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(r[f.replace("_", "-")] for f in _FIELDS)


def assert_same_selection(
    ours: list[tuple[Any, tuple[Any, ...]]], theirs: list[tuple[Any, tuple[Any, ...]]]
) -> None:
    """Same statistics position by position; ids may differ only between statements with identical statistics.

    red-dwarf sorts with pandas' default quicksort, which orders exact ties arbitrarily; Pol.is (and we) sort
    stably, so exact ties keep statement order. A different statement at some position is accepted only when it
    is such a tie: every one of its figures equals the reference's.
    """
    assert len(ours) == len(theirs), (ours, theirs)
    for (our_id, our_stats), (their_id, their_stats) in zip(ours, theirs, strict=True):
        assert our_stats[:3] == their_stats[:3], (our_id, our_stats, their_id, their_stats)
        for a, b in zip(our_stats[3:], their_stats[3:], strict=True):
            assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), (
                our_id,
                our_stats,
                their_id,
                their_stats,
            )


@pytest.mark.parametrize("z", [Z_90, 1.2815515655446004], ids=["polis-z", "reddwarf-z"])
@pytest.mark.parametrize("name", polis_conversations())
def test_equals_reddwarf_given_polis_groups(polis_root: Path, name: str, z: float) -> None:
    """With our default threshold (Pol.is's 1.2816) and with red-dwarf's exact quantile: none of the shared
    conversations has a z-score between the two."""
    conv = load(polis_root / name)
    m, labels = conv.matrix, conv.polis_groups
    n_groups = int(labels.max()) + 1
    table = representativeness(count_by_group(m, labels, n_groups))
    eligible = (m.seen_per_statement > 0) & ~m.rejected & ~m.meta
    ours = select_representative(table, m.statement_ids, eligible, z=z)
    theirs = reddwarf_repness(conv, labels)
    assert sorted(theirs) == list(range(n_groups))
    for g in range(n_groups):
        assert ours[g], f"group {g} has no representative statement"
        assert_same_selection(
            [(s.statement_id, _ours(s)) for s in ours[g]], [(r["tid"], _theirs(r)) for r in theirs[g]]
        )
        assert [s.best_agree for s in ours[g]] == [bool(r.get("best-agree", False)) for r in theirs[g]]


def test_formulas_by_hand() -> None:
    # Group 0: 8 of 10 agree; the rest (group 1): 2 of 10.
    counts = GroupCounts(np.array([[8], [2]]), np.array([[1], [7]]), np.array([[10], [10]]))
    t = representativeness(counts)
    assert t.pa[0, 0] == pytest.approx(9 / 12)
    assert t.pat[0, 0] == pytest.approx(2 * math.sqrt(11) * (9 / 11 - 0.5))
    assert t.ra[0, 0] == pytest.approx((9 / 12) / (3 / 12))
    pi1, pi2, pooled = 9 / 11, 3 / 11, 12 / 22
    assert t.rat[0, 0] == pytest.approx((pi1 - pi2) / math.sqrt(pooled * (1 - pooled) * (2 / 11)))
    assert t.rd[1, 0] == pytest.approx((8 / 12) / (2 / 12))


def test_selection_puts_best_agree_first_and_agrees_before_disagrees() -> None:
    # Three statements, two groups of 20: group 0 agrees with 0 and 1, disagrees with 2; group 1 the reverse.
    na = np.array([[18, 15, 1], [2, 3, 19]])
    nd = np.array([[1, 4, 18], [17, 16, 0]])
    counts = GroupCounts(na, nd, np.full((2, 3), 20))
    reps = select_representative(representativeness(counts), np.array([10, 11, 12]), np.ones(3, dtype=bool))
    group0 = reps[0]
    assert group0[0].best_agree
    assert group0[0].statement_id == 10
    assert group0[0].n_agree == 18
    assert [s.repful_for for s in group0] == ["agree", "agree", "disagree"]
    assert next(s.statement_id for s in reps[1]) == 12


def test_polis_semantics_where_reddwarf_differs() -> None:
    """A group that disagrees with everything has no best agree; Pol.is still reports its sufficient statements."""
    na = np.array([[0, 0], [15, 14]])
    nd = np.array([[20, 19], [1, 2]])
    counts = GroupCounts(na, nd, np.full((2, 2), 20))
    reps = select_representative(representativeness(counts), np.array([1, 2]), np.ones(2, dtype=bool))
    assert [(s.statement_id, s.repful_for, s.best_agree) for s in reps[0]] == [
        (1, "disagree", False),
        (2, "disagree", False),
    ]


def test_rejected_and_unvoted_statements_are_never_selected() -> None:
    na = np.array([[30, 0, 12], [0, 0, 1]])
    nd = np.array([[0, 0, 1], [30, 0, 12]])
    counts = GroupCounts(na, nd, np.array([[30, 0, 13], [30, 0, 13]]))
    eligible = np.array([False, True, True])  # statement 0 rejected
    reps = select_representative(representativeness(counts), np.array([0, 1, 2]), eligible)
    assert {s.statement_id for group in reps for s in group} == {2}


def test_no_significant_statement_falls_back_to_the_best_test() -> None:
    counts = GroupCounts(np.array([[1, 1], [1, 1]]), np.array([[1, 1], [1, 1]]), np.array([[3, 3], [3, 3]]))
    reps = select_representative(representativeness(counts), np.array([5, 6]), np.ones(2, dtype=bool))
    assert [len(r) for r in reps] == [1, 1]
    assert reps[0][0].statement_id == 5  # all tied: the first
