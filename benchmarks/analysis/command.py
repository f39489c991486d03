"""What a user waits for: `workingup analyze --polis FOLDER` beside red-dwarf 0.4.0 from the same CSV folder, one run.

    .venv/bin/python -m benchmarks.analysis.command [--honest 25000] [--statements 400]

Data: a planted two-camp conversation (`workingup.planted_blocs.plant_conversation`, no bloc: lognormal votes per
participant, Zipf-like statement popularity, realistic timestamps) written as a Pol.is export folder
(comments.csv and the votes.csv event log); the default size is about 1,000,000 votes.

Each side is a fresh process timed from launch to exit, so start-up, reading and the answer all count:
- **ours, Pol.is's analysis**: `workingup analyze --polis FOLDER --lenses groups --no-coordination` (projection,
  groups, representativeness, consensus — what red-dwarf computes — plus printing);
- **ours, full**: `workingup analyze --polis FOLDER` (adds the bridging model, the coordination screen and the
  three-lens verdict, which red-dwarf does not do);
- **red-dwarf**: a Python process that imports red-dwarf, reads votes.csv with pandas (red-dwarf's own loader
  reads JSON exports and the Pol.is API, not the CSV folder), keeps each participant's last vote per statement,
  builds the list of vote records `run_pipeline` takes and runs it with `random_state=0`.
Peak memory is each process tree's peak resident set.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.coordination.command import PEAK_RSS, export

_REDDWARF = """
import sys, warnings
warnings.filterwarnings("ignore")
import pandas as pd
from reddwarf.implementations.polis import run_pipeline
votes = pd.read_csv(sys.argv[1] + "/votes.csv")
votes = votes.sort_values("timestamp", kind="stable").drop_duplicates(["voter-id", "comment-id"], keep="last")
records = [
    {"participant_id": p, "statement_id": s, "vote": v}
    for p, s, v in zip(votes["voter-id"].tolist(), votes["comment-id"].tolist(), votes["vote"].tolist())
]
result = run_pipeline(votes=records, random_state=0)
frame = result.participants_df
print("groups", frame[frame["to_cluster"]]["cluster_id"].value_counts().tolist())
"""


def timed(command: list[str]) -> dict[str, float | str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *command],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{command[:3]} failed ({done.returncode}): {done.stderr[-2000:]}")
    groups = next((line for line in done.stdout.splitlines() if "groups" in line.lower()), "")
    return {
        "seconds": seconds,
        "peak_mib": int(done.stderr.strip().splitlines()[-1]) / 1024,
        "groups": groups.strip()[:100],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--honest", type=int, default=25_000, help="participants (about 40 votes each)")
    parser.add_argument("--statements", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    workingup = str(Path(sys.executable).with_name("workingup"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "planted"
        votes, _ = export(folder, args.honest, args.statements, args.seed, bloc_share=0.0)
        print(f"planted: {votes:,} votes by {args.honest:,} participants on {args.statements} statements")
        core = timed(
            [workingup, "analyze", "--polis", str(folder), "--lenses", "groups", "--no-coordination"]
        )
        full = timed([workingup, "analyze", "--polis", str(folder)])
        peer = timed([sys.executable, "-c", _REDDWARF, str(folder)])
    print("| command | time | peak RSS | vs red-dwarf |")
    print("|---|---:|---:|---:|")
    for name, row in (("ours, Pol.is's analysis", core), ("ours, full verdict", full), ("red-dwarf", peer)):
        ratio = float(peer["seconds"]) / float(row["seconds"])
        print(f"| {name} | {row['seconds']:.1f} s | {row['peak_mib']:,.0f} MiB | {ratio:.1f}× |")
    print(f"red-dwarf: {peer['groups']}")


if __name__ == "__main__":
    main()
