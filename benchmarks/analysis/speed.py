"""Speed and peak memory of `workingup.analysis.analyze` beside red-dwarf 0.4.0's `run_pipeline`, in one run.

    .venv/bin/python -m benchmarks.analysis.speed            # all cases (red-dwarf's 5M case takes a while)
    .venv/bin/python -m benchmarks.analysis.speed --cases bowling-green,1M --repeat 3

Each measurement runs in a fresh child process that loads the votes from a prepared .npz file, so its peak
resident memory (ru_maxrss) is that of "a process holding the votes and analysing them", nothing else. Timed:
ours = `VoteMatrix.from_arrays` + `analyze`; red-dwarf = `run_pipeline` (building its list of vote dicts is not
timed). Both from the same final votes, with the same moderated-out statements. The machine is shared, so the
best of `--repeat` runs is reported for ours; red-dwarf is run `--reddwarf-repeat` times (default once, it is slow)
and killed after `--reddwarf-timeout` seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CASES = {
    "bowling-green": "american-assembly.bowling-green (Pol.is export)",
    "1M": "synthetic 20,000 × 1,000, 1,000,000 votes",
    "5M": "synthetic 100,000 × 2,000, 5,000,000 votes",
}


def prepare(case: str, folder: Path) -> Path:
    """Write the case's final votes (and moderated-out statements) to an .npz file."""
    path = folder / f"{case}.npz"
    if case == "bowling-green":
        from tests.conftest import POLIS

        from workingup.polis import read_polis

        conversation = read_polis(POLIS / "american-assembly.bowling-green")
        p, s, v = conversation.final_votes()
        rejected = np.array([c.comment_id for c in conversation.comments if c.moderated == -1])
        meta = np.array([c.comment_id for c in conversation.comments if c.is_meta], dtype=np.int64)
        statements = np.array([c.comment_id for c in conversation.comments])
    else:
        from workingup.simulation import simulate_dialogue

        n_p, n_s, total = {"1M": (20_000, 1_000, 1_000_000), "5M": (100_000, 2_000, 5_000_000)}[case]
        rng = np.random.default_rng(0)
        mean = total // n_p
        counts = rng.integers(int(mean * 0.4), int(mean * 1.6) + 1, n_p)  # 20 to 80 votes each
        np.add.at(counts, rng.choice(n_p, abs(total - counts.sum())), np.sign(total - counts.sum()))
        sim = simulate_dialogue(n_p, n_s, n_groups=3, seen_counts=counts, seed=0)
        p, s, v = sim.final_votes()
        rejected = meta = np.array([], dtype=np.int64)
        statements = np.arange(n_s)
    np.savez(path, p=p, s=s, v=v, rejected=rejected, meta=meta, statements=statements)
    return path


def child(engine: str, data: Path, repeat: int, threads: int | None) -> dict[str, object]:
    """Runs in the child process: load, then time `repeat` runs of one engine (BLAS/OpenMP pools limited to
    `threads` when given; ours limits its own pools inside)."""
    from threadpoolctl import threadpool_limits

    arrays = np.load(data)
    p, s, v, rejected, meta, statements = (
        arrays[k] for k in ("p", "s", "v", "rejected", "meta", "statements")
    )
    times = []
    if engine == "ours":
        from workingup.analysis import VoteMatrix, analyze

        for _ in range(repeat):
            start = time.perf_counter()
            result = analyze(
                VoteMatrix.from_arrays(p, s, v, rejected=rejected, meta=meta, statements=statements)
            )
            times.append(time.perf_counter() - start)
        groups = [g.size for g in result.groups]
    else:
        import warnings

        warnings.simplefilter("ignore")
        from reddwarf.implementations.polis import run_pipeline

        votes = [
            {"participant_id": a, "statement_id": b, "vote": c}
            for a, b, c in zip(p.tolist(), s.tolist(), v.tolist(), strict=True)
        ]
        for _ in range(repeat):
            start = time.perf_counter()
            with threadpool_limits(threads):
                out = run_pipeline(
                    votes=votes,
                    mod_out_statement_ids=sorted(set(rejected.tolist()) | set(meta.tolist())),
                    meta_statement_ids=meta.tolist(),
                    random_state=0,
                )
            times.append(time.perf_counter() - start)
        labels = out.participants_df["cluster_id"].dropna().astype(int)
        groups = np.bincount(labels).tolist()
    return {
        "engine": engine,
        "threads": threads or "default",
        "votes": len(v),
        "best_s": min(times),
        "times_s": times,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "groups": groups,
    }


def measure(
    engine: str, data: Path, repeat: int, timeout: float, threads: int | None = None
) -> dict[str, object]:
    command = [sys.executable, "-m", "benchmarks.analysis.speed", "--child", engine, "--data", str(data)]
    command += ["--repeat", str(repeat), "--threads", str(threads or 0)]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return {"engine": engine, "threads": threads or "default", "timeout_s": timeout}
    except subprocess.CalledProcessError as error:
        return {
            "engine": engine,
            "error": error.stderr.strip().splitlines()[-1:],
            "after_s": time.perf_counter() - start,
        }
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, from {', '.join(CASES)}")
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours per case (best reported)")
    parser.add_argument("--reddwarf-repeat", type=int, default=1)
    parser.add_argument(
        "--reddwarf-timeout", type=float, default=900.0, help="seconds before red-dwarf is stopped"
    )
    parser.add_argument("--skip-reddwarf", action="store_true")
    parser.add_argument("--child", choices=["ours", "reddwarf"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(child(args.child, args.data, args.repeat, args.threads or None)))
        return

    print(f"# {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases.split(","):
            data = prepare(case, Path(tmp))
            ours = measure("ours", data, args.repeat, timeout=600)
            print(f"{case}: ours {json.dumps(ours)}", flush=True)
            # red-dwarf with the pools as configured (2 threads here) and with one thread: oversubscription
            # makes either one much slower depending on the size, and it gets the better of the two.
            attempts = []
            for threads in () if args.skip_reddwarf else (None, 1):
                attempt = measure("reddwarf", data, args.reddwarf_repeat, args.reddwarf_timeout, threads)
                print(f"{case}: red-dwarf {json.dumps(attempt)}", flush=True)
                attempts.append(attempt)
            finished = [a for a in attempts if "best_s" in a]
            theirs = (
                min(finished, key=lambda a: a["best_s"]) if finished else (attempts or [{"skipped": True}])[0]
            )  # type: ignore[arg-type,return-value]
            rows.append((case, ours, theirs))

    print(
        "\n| case | votes | ours: best time | ours: peak RSS | red-dwarf: time | red-dwarf: peak RSS | speed-up |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for case, ours, theirs in rows:
        if "best_s" in theirs:
            their_time = f"{theirs['best_s']:.1f} s ({theirs['threads']} threads)"
            their_rss = f"{theirs['peak_rss_mib']:,.0f} MiB"
            ratio = f"{theirs['best_s'] / ours['best_s']:.1f}×"  # type: ignore[operator]
        elif "timeout_s" in theirs:
            their_time, their_rss, ratio = f"not finished in {theirs['timeout_s']:.0f} s", "–", "–"
        else:
            their_time, their_rss, ratio = str(theirs.get("error", "skipped")), "–", "–"
        print(
            f"| {CASES[case]} | {ours['votes']:,} | {ours['best_s']:.2f} s | {ours['peak_rss_mib']:,.0f} MiB "
            f"| {their_time} | {their_rss} | {ratio} |"
        )


if __name__ == "__main__":
    main()
