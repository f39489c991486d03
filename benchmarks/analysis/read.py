"""Reading a large Pol.is export folder: the columnar reader beside the csv-module reader it replaced, in one run.

    .venv/bin/python -m benchmarks.analysis.read --baseline /tmp/wu-base/src            # 5M and 20M votes
    .venv/bin/python -m benchmarks.analysis.read --baseline /tmp/wu-base/src --cases 5M --analyze 5M

The baseline is the reader as it was before this change, run from a checkout of that commit (nothing of it is
copied here): `git worktree add /tmp/wu-base b5f0fd9` and pass `--baseline /tmp/wu-base/src`.

Data: a synthetic Pol.is export (`generate`, seed 0) written once to `--data` and reused: 200,000 participants ×
2,000 statements for 20M votes (50,000 × 2,000 for 5M), a lognormal number of votes per participant (median about
half the mean, a few who vote on everything), statements seen in proportion to a Zipf-like popularity, 1 % of
votes changed later, millisecond timestamps over 30 days with Pol.is's `datetime` column, and the matching
`participants-votes.csv` (every participant's final vote per statement), `comments.csv` and `summary.csv`, as
Pol.is writes them.

Each measurement runs in a fresh child process (`python -c`), so its peak resident memory (`ru_maxrss` of the
child) is that of a process that imports the reader and reads the folder, nothing else. Timed: `read_polis(folder)`
in the child (the import is not timed). With `--analyze`, also the whole command
`workingup analyze --polis <folder>` end to end (process start to exit, the Typer app run in a fresh
interpreter), with its peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

CASES = {"5M": (50_000, 2_000, 5_000_000), "20M": (200_000, 2_000, 20_000_000)}
ROOT = Path(__file__).resolve().parents[2]
START_MS = 1_478_512_769_000  # 2016-11-07, a Pol.is-era date
DATETIME = "%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)"


def generate(folder: Path, n_participants: int, n_statements: int, total: int, seed: int = 0) -> None:
    """Write a synthetic Pol.is export with exactly `total` vote events to `folder`."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    revotes = total // 100
    first = total - revotes
    # Votes per participant: lognormal around the mean, at least 1, at most every statement; then trimmed or
    # topped up (on those with room) to exactly `first`.
    raw = rng.lognormal(mean=0.0, sigma=1.0, size=n_participants)
    counts = np.clip(np.rint(raw / raw.mean() * first / n_participants), 1, n_statements).astype(np.int64)
    while counts.sum() != first:
        gap = first - int(counts.sum())
        room = np.flatnonzero(counts < n_statements) if gap > 0 else np.flatnonzero(counts > 1)
        pick = rng.choice(room, min(abs(gap), len(room)), replace=False)
        counts[pick] += np.sign(gap)
    # Statements: each participant sees a sample weighted by popularity (a Gumbel top-k per participant, done by
    # sorting random keys within each participant's row block).
    popularity = 1.0 / np.arange(1, n_statements + 1) ** 0.6
    voter = np.repeat(np.arange(n_participants, dtype=np.int64), counts)
    statement = np.empty(first, dtype=np.int64)
    offset = 0
    step = 5_000
    for lo in range(0, n_participants, step):
        hi = min(lo + step, n_participants)
        keys = np.log(rng.random((hi - lo, n_statements))) / popularity  # larger = more likely seen first
        order = np.argsort(-keys, axis=1)
        for row, k in enumerate(counts[lo:hi].tolist()):
            statement[offset : offset + k] = order[row, :k]
            offset += k
    leaning = rng.normal(size=n_participants)
    slant = rng.normal(size=n_statements)
    agree = 1.0 / (1.0 + np.exp(-2.0 * leaning[voter] * slant[statement]))
    draw = rng.random(first)
    value = np.where(draw < agree * 0.85, 1, np.where(draw < 0.85, -1, 0)).astype(np.int8)
    # Each participant votes in one session somewhere in 30 days; events spaced by seconds within it.
    session = rng.integers(0, 30 * 86_400_000, n_participants)
    gaps = rng.integers(2_000, 20_000, first)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    within = np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[starts] - gaps[starts], counts)
    timestamp = START_MS + session[voter] + within
    # Changed votes: a random 1% of pairs voted again later with a new value.
    again = rng.choice(first, revotes, replace=False)
    voter = np.concatenate((voter, voter[again]))
    statement = np.concatenate((statement, statement[again]))
    value = np.concatenate((value, rng.integers(-1, 2, revotes).astype(np.int8)))
    timestamp = np.concatenate((timestamp, timestamp[again] + rng.integers(60_000, 86_400_000, revotes)))
    order = np.argsort(timestamp, kind="stable")
    voter, statement, value, timestamp = voter[order], statement[order], value[order], timestamp[order]
    del order, again, gaps, within, agree, draw

    stamps = pa.array(timestamp, type=pa.int64())
    table = pa.table(
        {
            "timestamp": stamps,
            "datetime": pc.strftime(pc.cast(pc.divide(stamps, 1000), pa.timestamp("s")), format=DATETIME),
            "comment-id": pa.array(statement),
            "voter-id": pa.array(voter),
            "vote": pa.array(value),
        }
    )
    _write(table, folder / "votes.csv")
    del table, stamps

    # participants-votes.csv: each participant's final vote (the last event per pair), one column per statement.
    final = np.full((n_participants, n_statements), 9, dtype=np.int8)
    final[voter, statement] = value  # time order: later events overwrite earlier ones
    seen = final != 9
    n_votes = seen.sum(axis=1)
    columns: dict[str, pa.Array] = {
        "participant": pa.array(np.arange(n_participants)),
        "group-id": pa.array(rng.integers(0, 4, n_participants), mask=n_votes < 7),
        "n-comments": pa.array(np.zeros(n_participants, dtype=np.int64)),
        "n-votes": pa.array(n_votes),
        "n-agree": pa.array((final == 1).sum(axis=1)),
        "n-disagree": pa.array((final == -1).sum(axis=1)),
    }
    for s in range(n_statements):
        columns[str(s)] = pa.array(final[:, s], mask=~seen[:, s])
    pv = pa.table(columns)
    del final, seen
    _write(pv, folder / "participants-votes.csv")
    del pv, columns

    authors = rng.integers(0, n_participants, n_statements)
    comments = pa.table(
        {
            "timestamp": pa.array(START_MS + np.arange(n_statements, dtype=np.int64) * 60_000),
            "datetime": pa.array(
                ["Mon Nov 07 2016 11:39:29 GMT+0000 (Coordinated Universal Time)"] * n_statements
            ),
            "comment-id": pa.array(np.arange(n_statements)),
            "author-id": pa.array(authors),
            "agrees": pa.array(np.zeros(n_statements, dtype=np.int64)),
            "disagrees": pa.array(np.zeros(n_statements, dtype=np.int64)),
            "moderated": pa.array(np.where(rng.random(n_statements) < 0.05, -1, 1)),
            "comment-body": pa.array(
                [f"Statement {s}, as a participant wrote it." for s in range(n_statements)]
            ),
        }
    )
    pacsv.write_csv(
        comments, folder / "comments.csv", write_options=pacsv.WriteOptions(quoting_style="needed")
    )
    (folder / "summary.csv").write_text(
        f"topic,Synthetic {total:,}-vote conversation\nvoters,{n_participants}\ncomments,{n_statements}\n",
        encoding="utf-8",
    )


def _write(table: Any, path: Path) -> None:
    """Write as Pol.is does: a bare header, no quotes (none of these values needs them), rows in batches."""
    import pyarrow.csv as pacsv

    with path.open("wb") as handle:
        handle.write((",".join(table.column_names) + "\n").encode())
        options = pacsv.WriteOptions(quoting_style="none", include_header=False)
        with pacsv.CSVWriter(handle, table.schema, write_options=options) as writer:
            for batch in table.to_batches(max_chunksize=100_000):
                writer.write_batch(batch)


CHILD = """
import json, resource, sys, time
sys.path.insert(0, {src!r})
from workingup.polis import read_polis
import workingup.polis.read as module
start = time.perf_counter()
conversation = read_polis({folder!r})
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"seconds": seconds, "events": int(len(conversation.vote_value)),
    "participants": len(conversation.participants), "module": module.__file__,
    "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_kib": usage.ru_maxrss}}))
"""


def measure_read(src: Path, folder: Path) -> dict[str, float]:
    """read_polis from the `src` tree, in a fresh process: seconds and peak RSS."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(src=str(src), folder=str(folder))],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(src)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


COMMAND = """
import json, resource, sys
from workingup.cli import app
try:
    app(["analyze", "--polis", {folder!r}], prog_name="workingup")
except SystemExit as stop:
    if stop.code:
        raise
print(json.dumps({{"peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}), file=sys.stderr)
"""


def measure_command(folder: Path) -> dict[str, float]:
    """`workingup analyze --polis folder` in a fresh process, start to exit, with that process's peak RSS."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", COMMAND.format(folder=str(folder))],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - start
    return {"seconds": seconds, **json.loads(done.stderr.strip().splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", type=Path, required=True, help="src/ of a checkout of the old reader")
    parser.add_argument(
        "--data", type=Path, default=Path("/tmp/wu-read-bench"), help="where the folders live"
    )
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument(
        "--analyze",
        default="",
        help="cases (comma-separated) on which to also time `workingup analyze --polis`",
    )
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.platform()}")
    results = []
    for case in args.cases.split(","):
        folder = args.data / case
        if not (folder / "votes.csv").exists():
            t = time.perf_counter()
            generate(folder, *CASES[case])
            print(f"{case}: generated {folder} in {time.perf_counter() - t:.0f} s")
        size = sum(f.stat().st_size for f in folder.iterdir()) / 2**20
        new = measure_read(ROOT / "src", folder)
        old = measure_read(args.baseline, folder)
        if (old["events"], old["participants"]) != (new["events"], new["participants"]):
            raise SystemExit(f"the readers disagree: {old} {new}")
        row = {"case": case, "MiB on disk": round(size), "old": old, "new": new}
        print(
            f"{case} ({new['events']:,} vote events, {size:,.0f} MiB): "
            f"old {old['seconds']:.1f} s (CPU {old['cpu_seconds']:.1f} s) / {old['peak_kib'] / 2**20:.2f} GiB, "
            f"new {new['seconds']:.1f} s (CPU {new['cpu_seconds']:.1f} s) / {new['peak_kib'] / 2**20:.2f} GiB, "
            f"{old['seconds'] / new['seconds']:.1f}× faster"
        )
        if case in args.analyze.split(","):
            command = measure_command(folder)
            row["analyze"] = command
            print(
                f"{case}: workingup analyze --polis end to end {command['seconds']:.1f} s, "
                f"peak {command['peak_kib'] / 2**20:.2f} GiB"
            )
        results.append(row)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
