"""Verdict flips caused by a coordinated bloc, against the flips caused by changing the random seed alone, and
against Community Notes' own scorer on the same votes, in one run.

    .venv/bin/python -m benchmarks.coordination.flips --communitynotes /work/peers/communitynotes
    .venv/bin/python -m benchmarks.coordination.flips --communitynotes DIR --honest 16000 --statements 400

Data: `workingup.planted_blocs.plant_conversation` (two camps; a bloc of 20% of all participants that votes like
camp 1 except on the statements it pushes; strategies identical, noisy, sub_blocs, slow_drip), seed stated in the
output. The reference is the honest conversation alone (the same honest votes, no bloc).

Ours: `analyze` (opinion groups) then `convergence` (three lenses; the bloc lens is absent here, no roster), with
and without the coordination defence. A flip is a statement whose verdict differs from the reference's.
Seed baseline: the honest conversation analysed with seed 1 instead of 0 (clustering, bootstrap, bridging fit).
Peer: Community Notes' own scorer (`MatrixFactorization.run_mf` and its status rules, through
`benchmarks/coordination/communitynotes.py`; the checkout is an argument, never committed; it needs pyarrow and
pandas in the venv). Its flips are statements whose status (helpful / not helpful / no status / needs more
ratings) differs from its status on the honest votes; its seed baseline is `MatrixFactorization(seed=1)` vs 0.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.coordination.results_file import write_result
from workingup.analysis import AnalysisSettings, VoteMatrix, analyze
from workingup.analysis.convergence import ConvergenceSettings, convergence
from workingup.planted_blocs import STRATEGIES, plant_conversation


def verdicts(p, s, v, n_statements: int, seed: int, defence: bool) -> tuple[np.ndarray, int, float]:
    start = time.perf_counter()
    matrix = VoteMatrix.from_arrays(p, s, v, statements=np.arange(n_statements))
    result = analyze(matrix, AnalysisSettings(random_state=seed))
    verdict = convergence(
        matrix,
        result.labels,
        settings=ConvergenceSettings(random_state=seed, collapse_coordinated=defence),
    )
    return verdict.verdict, verdict.coordination.n_flagged, time.perf_counter() - start


def changes(reference: np.ndarray, attacked: np.ndarray, pushed: np.ndarray, positive: str) -> dict[str, int]:
    """Statements whose verdict (or status) moved, how many left or joined `positive`, and how many were pushed."""
    flips = attacked != reference
    return {
        "flips": int(flips.sum()),
        "lost": int(np.sum((reference == positive) & (attacked != positive))),
        "gained": int(np.sum((reference != positive) & (attacked == positive))),
        "pushed_flips": int(flips[pushed].sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communitynotes", type=Path, help="a checkout of twitter/communitynotes")
    parser.add_argument("--honest", type=int, default=4000)
    parser.add_argument("--statements", type=int, default=150)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rows = []
    planted = {
        k: plant_conversation(args.honest, args.statements, strategy=k, seed=args.seed) for k in STRATEGIES
    }
    # Every strategy is added to the same honest votes (same seed): the reference is those votes alone.
    first = planted["identical"]
    honest_vote = ~first.members[first.participant]
    hp, hs, hv = first.participant[honest_vote], first.statement[honest_vote], first.value[honest_vote]
    reference, _, _ = verdicts(hp, hs, hv, args.statements, 0, True)
    seed_one, _, _ = verdicts(hp, hs, hv, args.statements, 1, True)
    seed_flips = int(np.sum(seed_one != reference))
    kinds, counts = np.unique(reference, return_counts=True)
    print(
        f"reference: {len(hv):,} honest votes; verdicts {dict(zip(kinds.tolist(), counts.tolist(), strict=True))}"
    )
    print(f"seed 0 → 1 on the honest votes alone: {seed_flips} verdict flips")

    cn_reference = cn_seed_flips = None
    if args.communitynotes is not None:
        from benchmarks.coordination.communitynotes import run_communitynotes

        cn_reference = run_communitynotes(
            hp, hs, hv, args.communitynotes, n_statements=args.statements, seed=0
        )
        cn_seed = run_communitynotes(hp, hs, hv, args.communitynotes, n_statements=args.statements, seed=1)
        cn_seed_flips = int(np.sum(cn_seed.status != cn_reference.status))
        print(f"Community Notes, seed 0 → 1 on the honest votes alone: {cn_seed_flips} status flips")

    for strategy, c in planted.items():
        row: dict[str, Any] = {"strategy": strategy, "votes": c.n_votes, "seed_flips": seed_flips}
        for defence in (True, False):
            attacked, flagged, seconds = verdicts(
                c.participant, c.statement, c.value, args.statements, 0, defence
            )
            key = "with_defence" if defence else "without_defence"
            row[key] = {
                **changes(reference, attacked, c.pushed, "convergence"),
                "flagged": flagged,
                "seconds": seconds,
            }
        if args.communitynotes is not None and cn_reference is not None:
            cn = run_communitynotes(
                c.participant, c.statement, c.value, args.communitynotes, n_statements=args.statements, seed=0
            )
            row["communitynotes"] = {
                **changes(cn_reference.status, cn.status, c.pushed, "helpful"),
                "seed_flips": cn_seed_flips,
            }
        rows.append(row)
        ours, bare = row["with_defence"], row["without_defence"]
        line = (
            f"{strategy:10} ours: {ours['flips']} flips ({ours['lost']} convergence lost, "
            f"{ours['gained']} gained, {ours['flagged']} flagged); without the defence: {bare['flips']} flips"
        )
        if "communitynotes" in row:
            cnr = row["communitynotes"]
            line += f"; Community Notes: {cnr['flips']} flips ({cnr['lost']} helpful lost, {cnr['gained']} gained)"
        print(line)

    name = write_result(
        f"flips-{args.honest}x{args.statements}-seed{args.seed}",
        {"seed_flips": seed_flips, "cn_seed_flips": cn_seed_flips, "rows": rows},
    )
    print(f"wrote {name}")


if __name__ == "__main__":
    main()
