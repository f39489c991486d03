"""Planted truth: how well `analyze` recovers simulated opinion groups and bridging statements, and where not.

    .venv/bin/python -m benchmarks.analysis.planted [--seeds 10]

For each simulation setting (workingup.simulation.simulate_dialogue) and seed: the ARI between planted and found
groups over the clustered participants, and the share of the top-|bridging| statements by group-informed consensus
that are planted bridging statements. Also the ARI of an oracle that knows the planted groups and assigns every
participant to the nearest true group centre *on our 2-D map*: when the oracle cannot separate the groups, no
clustering of that map can, and the limit is the map (Pol.is's 2-D projection), not the clustering.

`--camps` runs the second table instead: two planted camps at the sizes users bring (10,000–100,000 people),
from `workingup.planted_blocs.plant_conversation` with no bloc (lognormal votes per participant, Zipf-like
statement popularity, realistic timestamps) and from `simulate_dialogue` (uniform 20–60 votes each).
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.metrics import adjusted_rand_score

from workingup.analysis import VoteMatrix, analyze
from workingup.planted_blocs import plant_conversation
from workingup.simulation import simulate_dialogue

SETTINGS = [
    # (participants, statements, groups, votes per participant, spread): the tests use the first three.
    (300, 40, 2, (30, 40), 0.3),
    (400, 60, 3, (50, 60), 0.2),
    (2000, 60, 2, (30, 50), 0.3),
    (2000, 100, 2, (20, 60), 0.35),
    (500, 60, 3, (25, 50), 0.35),
    (1000, 80, 4, (30, 60), 0.35),
]


CAMPS = [
    # (generator, participants, statements, seed)
    ("plant_conversation", 10_000, 300, 0),
    ("plant_conversation", 10_000, 1_000, 1),
    ("plant_conversation", 30_000, 500, 2),
    ("plant_conversation", 100_000, 1_000, 3),
    ("simulate_dialogue", 10_000, 100, 4),
    ("simulate_dialogue", 100_000, 200, 5),
]


def _oracle(xy: np.ndarray, truth: np.ndarray) -> float:
    centres = np.array([xy[truth == g].mean(axis=0) for g in np.unique(truth)])
    nearest = np.argmin(((xy[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
    return float(adjusted_rand_score(truth, nearest))


def camps() -> None:
    print(
        "| generator | participants × statements | votes | seed | groups found | ARI | oracle ARI on the map |"
    )
    print("|---|---|---:|---:|---|---:|---:|")
    for generator, n_p, n_s, seed in CAMPS:
        if generator == "plant_conversation":
            planted = plant_conversation(n_p, n_s, bloc_share=0.0, seed=seed)
            matrix = VoteMatrix.from_arrays(planted.participant, planted.statement, planted.value)
            group = np.asarray(planted.honest.group)
        else:
            sim = simulate_dialogue(n_p, n_s, votes_per_participant=(20, 60), seed=seed)
            matrix = VoteMatrix.from_simulation(sim)
            group = np.asarray(sim.group)
        result = analyze(matrix)
        c = result.clustered
        truth = group[c]
        ari = adjusted_rand_score(truth, result.labels[c])
        print(
            f"| {generator} | {n_p:,} × {n_s:,} | {matrix.n_votes:,} | {seed} | {[g.size for g in result.groups]} "
            f"| {ari:.3f} | {_oracle(result.participant_xy[c], truth):.3f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--camps", action="store_true", help="two planted camps of 10,000-100,000 people")
    args = parser.parse_args()
    if args.camps:
        camps()
        return
    print(
        "| participants × statements | groups | votes each | spread | k found | ARI min / mean | oracle ARI mean | bridging on top |"
    )
    print("|---|---:|---|---:|---|---|---:|---:|")
    for n_p, n_s, n_groups, votes, spread in SETTINGS:
        aris, oracles, hits, ks = [], [], [], []
        for seed in range(args.seeds):
            sim = simulate_dialogue(
                n_p, n_s, n_groups=n_groups, votes_per_participant=votes, spread=spread, seed=seed
            )
            result = analyze(VoteMatrix.from_simulation(sim))
            c = result.clustered
            truth = sim.group[c]
            aris.append(adjusted_rand_score(truth, result.labels[c]))
            xy = result.participant_xy[c]
            centres = np.array([xy[truth == g].mean(axis=0) for g in range(n_groups)])
            nearest = np.argmin(((xy[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
            oracles.append(adjusted_rand_score(truth, nearest))
            bridging = set(sim.statements_of_type("bridging").tolist())
            top = result.bridging(len(bridging)).tolist()
            hits.append(np.mean([t in bridging for t in top]) if bridging else 1.0)
            ks.append(result.n_groups)
        print(
            f"| {n_p} × {n_s} | {n_groups} | {votes[0]}–{votes[1]} | {spread} | {sorted(set(ks))} "
            f"| {min(aris):.3f} / {np.mean(aris):.3f} | {np.mean(oracles):.3f} | {np.mean(hits):.0%} |"
        )


if __name__ == "__main__":
    main()
