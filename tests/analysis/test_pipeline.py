"""The whole analysis: planted truth recovered, byte-identical across processes, stable labels, edge cases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from workingup.analysis import STEPS, AnalysisResult, AnalysisSettings, VoteMatrix, analyze
from workingup.simulation import simulate_dialogue

# Enough votes per participant for the planted groups to be separable on a 2-D map (with fewer votes, or four
# groups or more in a 2-D projection, even the true group centroids misclassify people; see the benchmark README).
PLANTED = (
    [
        pytest.param(
            {
                "n_participants": 300,
                "n_statements": 40,
                "n_groups": 2,
                "votes_per_participant": (30, 40),
                "spread": 0.3,
            },
            seed,
            id=f"300x40-2groups-seed{seed}",
        )
        for seed in (0, 1, 2)
    ]
    + [
        pytest.param(
            {
                "n_participants": 400,
                "n_statements": 60,
                "n_groups": 3,
                "votes_per_participant": (50, 60),
                "spread": 0.2,
            },
            seed,
            id=f"400x60-3groups-seed{seed}",
        )
        for seed in (0, 1, 2)
    ]
    + [
        pytest.param(
            {
                "n_participants": 2000,
                "n_statements": 60,
                "n_groups": 2,
                "votes_per_participant": (30, 50),
                "spread": 0.3,
            },
            0,
            id="2000x60-2groups-seed0",
        )
    ]
)


@pytest.mark.parametrize(("params", "seed"), PLANTED)
def test_planted_groups_and_bridging_statements_are_recovered(params: dict[str, object], seed: int) -> None:
    sim = simulate_dialogue(seed=seed, **params)  # type: ignore[arg-type]
    result = analyze(VoteMatrix.from_simulation(sim))
    clustered = result.clustered
    assert clustered.sum() >= 0.95 * sim.n_participants
    assert result.n_groups == params["n_groups"]
    assert adjusted_rand_score(sim.group[clustered], result.labels[clustered]) >= 0.95
    bridging = set(sim.statements_of_type("bridging").tolist())
    assert bridging
    assert set(result.bridging(len(bridging)).tolist()) == bridging  # they rank at the top, all of them
    assert set(result.most_divisive(3).tolist()) <= set(sim.statements_of_type("divisive").tolist())
    agree_ids = {s.statement_id for s in result.consensus.agree}
    assert agree_ids
    assert agree_ids <= bridging


def test_each_group_is_represented_by_what_its_planted_group_favours() -> None:
    sim = simulate_dialogue(400, 60, n_groups=3, votes_per_participant=(50, 60), spread=0.2, seed=1)
    result = analyze(VoteMatrix.from_simulation(sim))
    table = result.repness_table()
    for row, group in enumerate(result.groups):
        for s in group.representative:
            figure = table.ra if s.repful_for == "agree" else table.rd
            assert figure[row, s.statement_id] == s.repness
        members = result.labels == group.label
        planted = np.bincount(sim.group[members]).argmax()
        agrees = [s.statement_id for s in group.representative if s.repful_for == "agree"]
        assert agrees
        assert all(sim.group_agree_probability[planted, s] > 0.5 for s in agrees)


_SCRIPT = """
import sys
from workingup.analysis import VoteMatrix, analyze
from workingup.simulation import simulate_dialogue
sim = simulate_dialogue(1500, 80, n_groups=3, votes_per_participant=(8, 40), seed=11)
sys.stdout.write(analyze(VoteMatrix.from_simulation(sim, rejected=[3, 7]), max_groups=8).to_json())
"""


@pytest.mark.slow
def test_identical_json_in_separate_processes() -> None:
    """Different hash seeds, fresh interpreters: byte-identical output (base k-means runs: 1500 > 100 points)."""
    outputs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", _SCRIPT], capture_output=True, env=env, check=True, timeout=300
        )
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    document = json.loads(outputs[0])
    assert document["n_participants"] == 1500
    assert document["statements"]["rejected"][3] is True
    assert document["settings"]["max_groups"] == 8


def test_json_holds_the_map_and_every_statistic(polis_root: Path) -> None:
    m = VoteMatrix.from_polis(polis_root / "brexit-consensus")
    result = analyze(m)
    document = json.loads(result.to_json())
    assert document["format"] == "workingup.analysis/1"
    participants, statements = document["participants"], document["statements"]
    assert len(participants["x"]) == len(participants["group"]) == m.n_participants
    assert len(statements["group_informed_consensus"]) == len(statements["priority"]) == m.n_statements
    assert [g["size"] for g in document["groups"]] == [g.size for g in result.groups]
    assert sum(g is not None for g in participants["group"]) == document["n_clustered"]
    assert len(statements["group_agree"]) == result.n_groups
    assert (
        document["groups"][0]["representative"][0]["statement_id"]
        == result.groups[0].representative[0].statement_id
    )
    assert result.to_json() == analyze(m).to_json()


def _two_camps(n_a: int, n_b: int, seed: int = 0) -> tuple[VoteMatrix, np.ndarray]:
    """Camp A agrees with statements 0-14 and disagrees with 15-29; camp B the reverse; everyone votes on all."""
    rng = np.random.default_rng(seed)
    camp = np.r_[np.zeros(n_a, dtype=int), np.ones(n_b, dtype=int)]
    lean = np.where(np.arange(30) < 15, 1, -1)
    sign = np.where(camp[:, None] == 0, lean[None, :], -lean[None, :])
    votes = np.where(rng.random((len(camp), 30)) < 0.85, sign, -sign)
    p, s = np.indices(votes.shape)
    ids = 1000 + np.arange(len(camp))
    return VoteMatrix.from_arrays(ids[p.ravel()], s.ravel(), votes.ravel()), camp


def test_labels_stay_with_their_group_as_the_dialogue_grows() -> None:
    early, early_camp = _two_camps(60, 40)
    first = analyze(early)
    assert first.labels[early_camp == 0][0] == 0  # camp A is the larger group at first: label 0
    # Camp B grows past camp A. Without history, the largest group would become label 0…
    late, late_camp = _two_camps(60, 90)
    assert analyze(late).labels[late_camp == 1][0] == 0
    # …but matched to the previous result, camp A keeps label 0 and camp B keeps label 1.
    second = analyze(late, previous=first)
    assert set(second.labels[late_camp == 0].tolist()) == {0}
    assert set(second.labels[late_camp == 1].tolist()) == {1}
    assert [g.label for g in second.groups] == [0, 1]
    assert second.groups[1].size == 90


def test_settings_overrides_and_progress() -> None:
    m, _ = _two_camps(30, 30)
    steps: list[str] = []
    result = analyze(m, AnalysisSettings(pick_max=3), progress=steps.append, max_groups=8)
    assert steps == list(STEPS)
    assert result.settings.max_groups == 8
    assert result.settings.pick_max == 3
    assert all(len(g.representative) <= 3 for g in result.groups)
    with pytest.raises(TypeError):
        analyze(m, no_such_setting=1)
    with pytest.raises(ValueError, match="max_groups"):
        analyze(m, max_groups=9)


def _check_shapes(result: AnalysisResult, n_p: int, n_s: int) -> None:
    assert result.participant_xy.shape == (n_p, 2)
    assert result.statement_xy.shape == (n_s, 2)
    assert result.labels.shape == (n_p,)
    assert result.priority.shape == (n_s,)
    json.loads(result.to_json())


def test_degenerate_inputs() -> None:
    empty = analyze(VoteMatrix.from_arrays([], [], [], participants=[1, 2], statements=[5]))
    _check_shapes(empty, 2, 1)
    assert empty.n_groups == 0
    assert not empty.clustered.any()
    one = analyze(VoteMatrix.from_arrays([1] * 8, list(range(8)), [1] * 8))
    _check_shapes(one, 1, 8)
    assert one.n_groups == 1
    assert one.groups[0].size == 1
    alike = analyze(VoteMatrix.from_arrays(np.repeat(np.arange(20), 3), np.tile([0, 1, 2], 20), [1] * 60))
    _check_shapes(alike, 20, 3)
    assert alike.n_groups == 1
    single_statement = analyze(VoteMatrix.from_arrays(np.arange(30), [0] * 30, np.tile([1, -1, 0], 10)))
    _check_shapes(single_statement, 30, 1)
