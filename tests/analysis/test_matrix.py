"""The vote matrix keeps passes apart from unseen cells, whatever the input order, and refuses bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workingup.analysis import VoteMatrix
from workingup.polis import read_polis
from workingup.simulation import simulate_dialogue


def test_pass_is_stored_and_distinct_from_unseen() -> None:
    m = VoteMatrix.from_arrays([1, 1, 2], ["b", "a", "a"], [0, 1, -1], statements=["a", "b", "c"])
    assert m.shape == (2, 3)
    assert m.n_votes == 3
    dense = m.to_dense()
    assert dense[0, :2].tolist() == [1.0, 0.0]
    assert np.isnan(dense[0, 2])
    assert m.seen.toarray().tolist() == [[True, True, False], [True, False, False]]
    assert m.pass_count.tolist() == [0, 1, 0]
    assert m.seen_per_statement.tolist() == [2, 1, 0]


def test_order_of_input_does_not_matter() -> None:
    rng = np.random.default_rng(0)
    pairs = rng.permutation(200)[:120]
    p, s, v = pairs // 20, pairs % 20, rng.integers(-1, 2, 120)
    a = VoteMatrix.from_arrays(p, s, v)
    order = rng.permutation(120)
    b = VoteMatrix.from_arrays(p[order], s[order], v[order])
    assert np.array_equal(a.to_dense(), b.to_dense(), equal_nan=True)
    assert np.array_equal(a.votes.indptr, b.votes.indptr)
    assert np.array_equal(a.votes.data, b.votes.data)


def test_arrays_are_read_only_so_passes_cannot_be_dropped() -> None:
    m = VoteMatrix.from_arrays([1, 2], [1, 1], [0, 1])
    with pytest.raises(ValueError, match="read-only"):
        m.votes.eliminate_zeros()
    with pytest.raises(ValueError, match="read-only"):
        m.votes.data[0] = 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"participant_ids": [1, 1], "statement_ids": [2, 2], "values": [1, 0]}, "duplicated vote"),
        ({"participant_ids": [1], "statement_ids": [2], "values": [2]}, "-1 \\(disagree\\)"),
        ({"participant_ids": [1, 2], "statement_ids": [2], "values": [1]}, "differ in length"),
        ({"participant_ids": [1], "statement_ids": [2], "values": [1], "rejected": [3]}, "not in the matrix"),
        (
            {"participant_ids": [1], "statement_ids": [2], "values": [1], "statements": [3]},
            "not in statements",
        ),
        ({"participant_ids": [1.5], "statement_ids": [2], "values": [1]}, "integers or all strings"),
    ],
)
def test_bad_input_is_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        VoteMatrix.from_arrays(**kwargs)  # type: ignore[arg-type]


def test_from_polis_marks_rejected_and_meta(polis_root: Path) -> None:
    conversation = read_polis(polis_root / "bg2050-volunteers")
    m = VoteMatrix.from_polis(conversation)
    assert m.n_statements == len(conversation.comments) == 371
    assert int(m.rejected.sum()) == sum(c.moderated == -1 for c in conversation.comments) == 55
    assert int(m.meta.sum()) == 1
    p, _, v = conversation.final_votes()
    assert m.n_votes == len(v)
    assert m.n_participants == len(np.unique(p))
    assert int(m.agree_count.sum()) == int((v == 1).sum())
    assert int(m.pass_count.sum()) == int((v == 0).sum())


def test_from_simulation_keeps_every_participant_and_statement() -> None:
    sim = simulate_dialogue(30, 12, votes_per_participant=(1, 3), seed=2)
    m = VoteMatrix.from_simulation(sim, rejected=[4])
    assert m.shape == (30, 12)
    assert m.rejected.tolist() == [i == 4 for i in range(12)]
    assert m.n_votes == len(sim.final_votes()[2])


def test_subset_participants() -> None:
    m = VoteMatrix.from_arrays([1, 2, 3], [1, 1, 2], [1, 0, -1])
    sub = m.subset_participants(np.array([False, True, True]))
    assert sub.participant_ids.tolist() == [2, 3]
    assert sub.to_dense()[0, 0] == 0.0
