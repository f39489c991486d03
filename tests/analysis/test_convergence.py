"""The convergence verdict: lenses agree on planted truth, and a coordinated bloc cannot manufacture consensus."""

from __future__ import annotations

import numpy as np
import pytest

from workingup.analysis.convergence import VERDICTS, convergence
from workingup.analysis.matrix import VoteMatrix
from workingup.simulation import simulate_dialogue


def _declared(group: np.ndarray, rng: np.random.Generator, share: float = 0.7) -> np.ndarray:
    """Declared leaning bloc (0 left, 1 right, -1 undisclosed): most people declare their planted side."""
    return np.where(rng.random(len(group)) < share, group, -1)


def test_verdicts_follow_planted_truth() -> None:
    sim = simulate_dialogue(3000, 60, seed=21)
    rng = np.random.default_rng(0)
    matrix = VoteMatrix.from_simulation(sim)
    result = convergence(matrix, sim.group, bloc=_declared(sim.group, rng), bloc_names=("left", "right"))
    planted = np.asarray(sim.statement_type)
    assert set(result.verdict.tolist()) <= set(VERDICTS)
    assert np.all(result.verdict[planted == "bridging"] == "convergence") or (
        (result.verdict[planted == "bridging"] == "convergence").mean() >= 0.9
    )
    assert not np.any(result.verdict[planted != "bridging"] == "convergence")
    assert np.all(np.isin(result.verdict[planted == "divisive"], ["divided"]))
    assert np.all(np.isin(result.verdict[planted == "rejected"], ["rejected"]))
    assert result.coordination.blocs == ()
    # Every figure carries an interval.
    assert np.all(result.gic_lower <= result.gic + 1e-12)
    assert np.all(result.gic <= result.gic_upper + 1e-12)
    assert result.to_dict()["lenses"]["blocs"]["support"]["bloc_names"] == ["left", "right"]


@pytest.mark.slow
def test_coordinated_bloc_is_detected_and_flips_no_verdict_while_polis_gic_moves() -> None:
    sim = simulate_dialogue(3000, 60, seed=22)
    rng = np.random.default_rng(1)
    p, s, v = sim.final_votes()
    matrix = VoteMatrix.from_simulation(sim)
    declared = _declared(sim.group, rng)
    before = convergence(matrix, sim.group, bloc=declared, bloc_names=("left", "right"))

    # The attack: 20% of all participants are scripted accounts that vote like the right-leaning group on
    # everything, declare themselves right-leaning, and agree with a proposal only the left supports.
    target = int(
        np.flatnonzero((np.asarray(sim.statement_type) == "divisive") & (sim.favoured_group == 0))[0]
    )
    right = (sim.group[p] == 1) & (v != 0)
    majority = np.where(np.bincount(s[right], weights=v[right], minlength=60) >= 0, 1, -1).astype(np.int8)
    script = majority.copy()
    script[target] = 1
    n_bots = 750  # 750 / 3750 = 20%
    bots = np.arange(3000, 3000 + n_bots)
    attacked = VoteMatrix.from_arrays(
        np.r_[p, np.repeat(bots, 60)],
        np.r_[s, np.tile(np.arange(60), n_bots)],
        np.r_[v, np.tile(script, n_bots)],
    )
    labels = np.r_[sim.group, np.ones(n_bots, dtype=np.int64)]  # they pass for members of the right group
    bloc = np.r_[declared, np.ones(n_bots, dtype=np.int64)]
    after = convergence(attacked, labels, bloc=bloc, bloc_names=("left", "right"))

    assert len(after.coordination.blocs) == 1
    assert set(bots.tolist()) <= set(after.coordination.blocs[0].participant_ids)
    assert (target, 1) in after.coordination.blocs[0].unanimous
    # Zero bridging verdicts flip, nor cross-bloc lenses, nor the verdicts themselves.
    assert np.array_equal(before.bridging.status == "bridging", after.bridging.status == "bridging")
    assert np.array_equal(before.bloc_lens, after.bloc_lens)
    assert np.array_equal(before.verdict, after.verdict)
    # Pol.is's group-informed consensus, which cannot tell, moves a lot on the target.
    assert after.gic[target] - before.gic[target] > 0.1


def test_a_subset_of_lenses_draws_the_verdict_from_those_alone() -> None:
    from workingup.analysis.convergence import ConvergenceSettings

    sim = simulate_dialogue(1500, 40, seed=22)
    matrix = VoteMatrix.from_simulation(sim)
    rng = np.random.default_rng(1)
    bloc = _declared(sim.group, rng)
    full = convergence(matrix, sim.group, bloc=bloc, bloc_names=("left", "right"))
    groups_only = convergence(
        matrix,
        sim.group,
        bloc=bloc,
        bloc_names=("left", "right"),
        settings=ConvergenceSettings(lenses=("groups",)),
    )
    assert groups_only.blocs is None
    assert np.all(np.isnan(groups_only.bridging.support_low))  # not fitted
    judged = ~np.isin(groups_only.verdict, ["excluded", "needs_more_votes"])
    assert np.array_equal(groups_only.verdict[judged] == "convergence", groups_only.group_lens[judged])
    # Every lens passing implies the groups lens passes: the subset can only call more statements convergence.
    assert set(np.flatnonzero(full.verdict == "convergence")) <= set(
        np.flatnonzero(groups_only.verdict == "convergence")
    )
    with pytest.raises(ValueError, match="lenses must be"):
        ConvergenceSettings(lenses=("groups", "votes"))
    off = convergence(matrix, sim.group, settings=ConvergenceSettings(detect_coordination=False))
    assert off.coordination.blocs == ()
    assert np.all(off.coordination.participant_weight == 1.0)
