"""Routing priority: red-dwarf's (Pol.is's formula) on real conversations; draws only among unseen statements."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.analysis.reddwarf_reference import load, reddwarf_run_pipeline
from workingup.analysis import (
    GroupCounts,
    VoteMatrix,
    analyze,
    available_statements,
    draw_next_statement,
    routing_priority,
)


@pytest.mark.parametrize("name", ["bg2050-volunteers", "brexit-consensus"])
def test_equals_reddwarf_priority(polis_root: Path, name: str) -> None:
    conv = load(polis_root / name)
    m = conv.matrix
    theirs = reddwarf_run_pipeline(conv)
    ours = analyze(m)
    # Same clustered participants (≥ 7 votes; enough of them that Pol.is's top-up to 15 does not apply).
    assert set(m.participant_ids[ours.clustered].tolist()) == set(
        theirs.participants_df.index[theirs.participants_df.to_cluster]
    )
    present = m.seen_per_statement > 0
    frame = theirs.statements_df.loc[m.statement_ids[present]]
    np.testing.assert_allclose(ours.extremity[present], frame["extremity"].to_numpy(dtype=float), atol=1e-9)
    np.testing.assert_allclose(ours.priority[present], frame["priority"].to_numpy(dtype=float), rtol=1e-9)
    if m.meta.any():
        assert np.all(ours.priority[m.meta] == 49.0)


def test_formula_by_hand() -> None:
    # 6 agree, 2 disagree, 2 pass of 10 seen; extremity 0.5.
    counts = GroupCounts(np.array([[6]]), np.array([[2]]), np.array([[10]]))
    expected = ((7 / 12) * (1 - 3 / 12) * 1.5 * (1 + 8 * 2 ** (-10 / 5))) ** 2
    assert routing_priority(counts, np.array([0.5]), np.array([False]))[0] == pytest.approx(expected)
    assert routing_priority(counts, np.array([0.5]), np.array([True]))[0] == 49.0


def test_new_statements_come_first() -> None:
    counts = GroupCounts(np.array([[0, 30]]), np.array([[0, 10]]), np.array([[0, 50]]))
    fresh, old = routing_priority(counts, np.zeros(2), np.zeros(2, dtype=bool))
    assert fresh > old


def test_draws_only_available_statements_in_proportion_to_priority() -> None:
    rng = np.random.default_rng(0)
    priority = np.array([1.0, 3.0, 100.0, 0.0])
    available = np.array([True, True, False, True])
    draws = [draw_next_statement(priority, available, rng) for _ in range(4000)]
    counts = np.bincount(np.array(draws), minlength=4)
    assert counts[2] == 0
    assert counts[3] == 0
    assert counts[1] / counts[0] == pytest.approx(3.0, rel=0.15)
    assert draw_next_statement(priority, np.zeros(4, dtype=bool), rng) is None
    assert draw_next_statement(np.zeros(4), available, rng) in {0, 1, 3}


def test_available_statements_exclude_seen_passed_and_rejected() -> None:
    m = VoteMatrix.from_arrays(
        [1, 1, 2], [10, 11, 10], [1, 0, -1], statements=[10, 11, 12, 13], rejected=[13]
    )
    assert available_statements(m, 1).tolist() == [False, False, True, False]  # the pass on 11 counts as seen
    assert available_statements(m, 2).tolist() == [False, True, True, False]
    assert available_statements(m, 99).tolist() == [True, True, True, False]  # a newcomer
    result = analyze(m)
    rng = np.random.default_rng(0)
    assert draw_next_statement(result.priority, available_statements(m, 1), rng) == 2


def test_verdict_routing_places_a_participant_by_their_votes_and_favours_open_statements() -> None:
    from workingup.analysis.convergence import ConvergenceSettings, convergence
    from workingup.analysis.priority import VerdictRouting
    from workingup.simulation import simulate_dialogue

    sim = simulate_dialogue(800, 40, group_weights=(0.55, 0.45), seed=12)
    matrix = VoteMatrix.from_simulation(sim)
    settings = ConvergenceSettings(lenses=("bridging",), detect_coordination=False)
    result = convergence(matrix, np.full(matrix.n_participants, -1), settings=settings)
    routing = result.routing
    assert routing is not None
    assert result.participant_side is not None
    # A participant's side from their own votes matches the side the fit gave them, for nearly everyone.
    rows = matrix.row_of_vote
    cols = matrix.votes.indices.astype(np.int64)
    agree = 0
    for row in range(200):
        mine = rows == row
        agree += routing.side_of(cols[mine], matrix.votes.data[mine]) == result.participant_side[row]
    assert agree >= 190
    assert routing.side_of(np.array([], np.int64), np.array([], np.int8)) == -1
    # Settled statements (p near 0 or 1 with many votes) rank below a new statement nobody has seen.
    fresh = VoteMatrix.from_arrays(
        matrix.participant_ids[rows],
        matrix.statement_ids[cols],
        matrix.votes.data,
        statements=np.arange(41),
    )
    with_new = convergence(fresh, np.full(fresh.n_participants, -1), settings=settings)
    assert with_new.routing is not None
    for side in (-1, 0, 1):
        priority = with_new.routing.priority(side)
        assert priority.shape == (41,)
        assert priority[40] > np.quantile(priority[:40], 0.9)
    again = VerdictRouting.from_dict(with_new.routing.to_dict())
    assert np.allclose(again.priority(1), with_new.routing.priority(1))
