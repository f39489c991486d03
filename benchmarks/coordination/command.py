"""What a user waits for: `workingup analyze --polis` on a planted conversation with a noisy bloc, the whole command
(start-up, reading the CSVs, the analysis, the full verdict), with and without coordination detection, in one run.

    .venv/bin/python -m benchmarks.coordination.command                       # ~1M votes
    .venv/bin/python -m benchmarks.coordination.command --honest 420000 --statements 2600 --with-only   # ~20M votes

Data: `workingup.planted_blocs.plant_conversation` (a noisy bloc of 20%: 15% flips, 10% skips, 20 cover votes; a
launch burst of honest arrivals), written as a Pol.is export (`workingup.polis.write_polis`) into a temporary
folder. Each command runs in a fresh process; wall time and peak resident memory (the child's ru_maxrss) are
measured around it. The comparison is the same command with `--no-coordination`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.coordination.results_file import write_result
from workingup.planted_blocs import plant_conversation
from workingup.polis import write_polis
from workingup.polis.model import PolisComment, PolisConversation, PolisParticipant


def export(
    folder: Path, honest: int, statements: int, seed: int, *, bloc_share: float = 0.2
) -> tuple[int, int]:
    """Write a planted conversation (a noisy bloc of `bloc_share`, none at 0) as a Pol.is folder: (votes, bloc)."""
    c = plant_conversation(honest, statements, strategy="noisy", bloc_share=bloc_share, seed=seed)
    order = np.argsort(c.time, kind="stable")
    conversation = PolisConversation(
        comments=tuple(
            PolisComment(
                comment_id=s, author_id=0, text=f"Planted statement {s}", moderated=1, timestamp_ms=0
            )
            for s in range(statements)
        ),
        participants=tuple(PolisParticipant(participant_id=p) for p in range(c.n_participants)),
        vote_participant=c.participant[order],
        vote_comment=c.statement[order],
        vote_value=c.value[order],
        vote_timestamp_ms=(c.time[order] * 1000).astype(np.int64) + 1_700_000_000_000,
        summary={"topic": f"planted, noisy bloc of {int(c.members.sum())}" if c.members.any() else "planted"},
    )
    write_polis(conversation, folder)
    return c.n_votes, int(c.members.sum())


# Runs the command in a child of its own and prints that child's peak RSS (KiB) last: each measurement is of one
# command only (RUSAGE_CHILDREN of this process would keep the largest of all runs).
PEAK_RSS = (
    "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)"
)


def run(folder: Path, *extra: str) -> dict[str, float | int]:
    command = [
        str(Path(sys.executable).with_name("workingup")),
        "analyze",
        "--polis",
        str(folder),
        "--top",
        "3",
    ]
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *command, *extra],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"analyze failed ({done.returncode}): {done.stderr[-2000:]}")
    peak_kib = int(done.stderr.strip().splitlines()[-1])
    flagged = sum(
        int(line.split()[2]) for line in done.stdout.splitlines() if line.startswith("Coordinated voting:")
    )
    return {"seconds": seconds, "peak_rss_mib": peak_kib / 1024, "flagged": flagged}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--honest", type=int, default=16000)
    parser.add_argument("--statements", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--with-only", action="store_true", help="only the run with detection (the 20M case: time and memory)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "planted"
        votes, bloc = export(folder, args.honest, args.statements, args.seed)
        print(f"planted: {votes:,} votes, a noisy bloc of {bloc:,}; written to a Pol.is folder")
        # Without first, so the page cache is warm for both; then with detection.
        bare = None if args.with_only else run(folder, "--no-coordination")
        full = run(folder)
    ratio = ""
    if bare is not None:
        print(f"without detection: {bare['seconds']:.1f} s, peak {bare['peak_rss_mib']:.0f} MiB")
        ratio = f"; ratio {full['seconds'] / bare['seconds']:.2f}×"
    print(
        f"with detection:    {full['seconds']:.1f} s, peak {full['peak_rss_mib']:.0f} MiB, "
        f"{full['flagged']:,} flagged{ratio}"
    )
    name = write_result(f"command-{votes}", {"votes": votes, "bloc": bloc, "without": bare, "with": full})
    print(f"wrote {name}")


if __name__ == "__main__":
    main()
