"""Coordinated-voting detection: member recall and honest participants flagged, per bloc strategy, and flags on
the real Pol.is conversations; time and peak memory of each detection in a fresh process.

    .venv/bin/python -m benchmarks.coordination.detect                 # 200k votes, the four strategies, real data
    .venv/bin/python -m benchmarks.coordination.detect --honest 16000 --statements 400   # ~1M votes

Data: `workingup.planted_blocs.plant_conversation` (two camps; a bloc of 20% of all participants; votes per
participant lognormal 15–70; Zipf-like statement popularity; a launch burst of honest arrivals), seeds stated in
the output; real conversations from ../shared/data/polis (never copied here). Peer: the detector this replaced
(identical votes, MinHash buckets capped at 2,000 members, all bucket pairs at once) is in git history at
75faed5; its figures are in the README, measured on the same generator.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.coordination.results_file import write_result
from workingup.analysis.coordination import detect_coordination
from workingup.analysis.matrix import VoteMatrix
from workingup.planted_blocs import STRATEGIES, plant_conversation

POLIS = Path(__file__).resolve().parents[3] / "shared" / "data" / "polis"


def one(
    strategy: str, honest: int, statements: int, seed: int, flip_rate: float, scripts: bool
) -> dict[str, object]:
    c = plant_conversation(honest, statements, strategy=strategy, seed=seed, flip_rate=flip_rate)
    first = np.full(c.n_participants, np.inf)
    np.minimum.at(first, c.participant, c.time)
    matrix = VoteMatrix.from_arrays(c.participant, c.statement, c.value)
    start = time.perf_counter()
    report = detect_coordination(matrix, first_vote_time=first, scripts=scripts)
    seconds = time.perf_counter() - start
    flagged = report.flagged()
    return {
        "scripts": scripts,
        "strategy": strategy,
        "flip_rate": flip_rate,
        "seed": seed,
        "participants": c.n_participants,
        "votes": c.n_votes,
        "recall": float(flagged[c.members].mean()),
        "honest_flagged": int(flagged[~c.members].sum()),
        "honest_flagged_share": float(flagged[~c.members].mean()),
        "blocs": [b.size for b in report.blocs],
        "candidate_pairs": report.n_candidate_pairs,
        "seconds": seconds,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def real(name: str, scripts: bool, random_state: int) -> dict[str, object]:
    matrix = VoteMatrix.from_polis(POLIS / name)
    start = time.perf_counter()
    report = detect_coordination(matrix, scripts=scripts, random_state=random_state)
    return {
        "conversation": name,
        "scripts": scripts,
        "random_state": random_state,
        "participants": matrix.n_participants,
        "flagged": report.n_flagged,
        "blocs": [
            {
                "size": b.size,
                "agreement": b.agreement,
                "mean_shared": b.mean_shared,
                "pushes": len(b.unanimous),
            }
            for b in report.blocs
        ],
        "seconds": time.perf_counter() - start,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--honest", type=int, default=4000)
    parser.add_argument("--statements", type=int, default=150)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", nargs=3, metavar=("STRATEGY", "FLIP", "SCRIPTS"), help=argparse.SUPPRESS)
    parser.add_argument("--skip-planted", action="store_true", help="only the real conversations")
    parser.add_argument("--skip-real", action="store_true", help="only the planted conversations")
    parser.add_argument("--flips", default="0.15", help="comma-separated flip rates for the noisy strategies")
    args = parser.parse_args()
    if args.one:
        print(
            json.dumps(
                one(
                    args.one[0],
                    args.honest,
                    args.statements,
                    args.seed,
                    float(args.one[1]),
                    args.one[2] == "1",
                )
            )
        )
        return
    rows: list[dict[str, object]] = []
    for scripts, strategy in [] if args.skip_planted else [(x, s) for x in (False, True) for s in STRATEGIES]:
        for flip in [0.0] if strategy == "identical" else [float(f) for f in args.flips.split(",")]:
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.coordination.detect",
                    "--honest",
                    str(args.honest),
                    "--statements",
                    str(args.statements),
                    "--seed",
                    str(args.seed),
                    "--one",
                    strategy,
                    str(flip),
                    "1" if scripts else "0",
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            row = json.loads(out.stdout)
            rows.append(row)
            print(
                f"{'scripts ' if scripts else 'identical'} {strategy:10} flips {flip:.2f} votes {row['votes']:,} recall {row['recall']:.3f} "
                f"honest flagged {row['honest_flagged']} ({100 * row['honest_flagged_share']:.2f}%) "
                f"pairs {row['candidate_pairs']:,} {row['seconds']:.1f} s peak {row['peak_rss_mib']:.0f} MiB"
            )
    names = (
        [p.name for p in sorted(POLIS.iterdir()) if p.is_dir()]
        if POLIS.exists() and not args.skip_real
        else []
    )
    reals = [real(n, scripts, rs) for n in names for scripts in (False, True) for rs in range(4)]
    for n in names:
        for scripts in (False, True):
            flagged = [r["flagged"] for r in reals if r["conversation"] == n and r["scripts"] == scripts]
            kind = "scripts " if scripts else "identical"
            print(f"{n:40} {kind} flagged, hashing seeds 0-3: {flagged}")
    name = write_result(f"detect-{args.honest}x{args.statements}", {"planted": rows, "real": reals})
    print(f"wrote {name}")


if __name__ == "__main__":
    main()
