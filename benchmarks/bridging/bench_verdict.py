"""The convergence call against planted truth, beside Community Notes' own scorer, on the same votes, one run.

    .venv/bin/python -m benchmarks.bridging.bench_verdict --communitynotes /work/peers/communitynotes
    .venv/bin/python -m benchmarks.bridging.bench_verdict --communitynotes DIR --sizes 100000 --seeds 0,1,2,3

Data: `benchmarks/bridging/planted.py` (two camps 55/45; 25% bridging, 45% divisive, 30% mixed statements;
votes per statement lognormal, mean 60, median ≈ 36; votes per participant lognormal 15–70). Truth: planted
bridging.

Rows, per size and seed:

- **ours**: `workingup.analysis.convergence` as `workingup analyze` runs it (opinion groups from
  `analysis.analyze`, coordination detection, all lenses); a statement is called when its verdict is
  "convergence";
- **old bridging status**: the bridging lens' point-estimate status "bridging" (the rule before issue 16);
- **oracle**: the best recall any threshold on the bridging model's intercept reaches at precision ≥ 0.99,
  chosen knowing the truth (no rule can be tuned like that; it is what the intercept allows);
- **Community Notes**: its own `MatrixFactorization.run_mf` and status rules through
  `benchmarks.coordination.communitynotes` ("helpful" = CRH), passes left out, torch at 1 thread and at 2.

Also: recall by votes-per-statement band, calibration by decile (pooled over every size and seed run), and the
three ways of counting a pass (analysis.verdict.PASS_MODES) under the same call. Each run is appended to
`benchmarks/bridging/results/verdict.jsonl` as it finishes, with the commit it ran at; `--report` prints the
tables of every run in the file (so runs at several sizes, started separately, are reported and calibrated
together).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
from benchmarks.bridging.planted import Planted, plant
from numpy.typing import NDArray

from workingup.analysis import analyze
from workingup.analysis.bridging import BridgingModel
from workingup.analysis.convergence import ConvergenceResult, ConvergenceSettings, convergence
from workingup.analysis.verdict import PASS_MODES, calibrated_call, side_counts, side_posterior

BANDS = ((0, 10), (11, 30), (31, 50), (51, 150), (151, None))
TARGET = 0.99


def band_name(band: tuple[int, int | None]) -> str:
    low, high = band
    return f"≤{high}" if low == 0 else (f">{low - 1}" if high is None else f"{low}–{high}")


def scores(called: NDArray[np.bool_], truth: NDArray[np.bool_], votes: NDArray[np.int64]) -> dict[str, Any]:
    """Precision, recall, and recall within each votes-per-statement band."""
    tp = int(np.sum(called & truth))
    out: dict[str, Any] = {
        "called": int(called.sum()),
        "precision": tp / int(called.sum()) if called.any() else float("nan"),
        "recall": tp / int(truth.sum()),
        "bands": {},
    }
    for band in BANDS:
        low, high = band
        inside = (votes >= low) & (votes <= (high if high is not None else np.iinfo(np.int64).max))
        n = int(np.sum(truth & inside))
        out["bands"][band_name(band)] = (int(np.sum(called & truth & inside)), n)
    return out


def oracle_call(score: NDArray[np.float64], truth: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """The top-k by `score` with the largest k whose precision is still ≥ TARGET (knowing the truth)."""
    finite = np.where(np.isfinite(score), score, -np.inf)
    order = np.argsort(-finite, kind="stable")
    precision = np.cumsum(truth[order]) / np.arange(1, len(order) + 1)
    ok = np.flatnonzero(precision >= TARGET)
    called = np.zeros(len(score), dtype=bool)
    if len(ok):
        called[order[: ok[-1] + 1]] = True
    return called


def pass_modes(data: Planted, result: ConvergenceResult, votes: NDArray[np.int64]) -> dict[str, Any]:
    """The bridging-axis call (no group veto) with passes dropped, half an agree, or a non-agree."""
    matrix = data.matrix()
    assert result.participant_side is not None
    out = {}
    for mode in PASS_MODES:
        agree, trials = side_counts(
            matrix.row_of_vote,
            matrix.votes.indices.astype(np.int64),
            matrix.votes.data,
            np.ones(matrix.n_votes),
            result.participant_side,
            matrix.n_statements,
            mode,
        )
        post = side_posterior(agree, trials)
        called = calibrated_call(post.probability, votes >= 10, result.settings.max_false_share)
        out[mode] = scores(called, data.bridging, votes)
    return out


def run_cn(data: Planted, cn_dir: Path, threads: int, seed: int) -> dict[str, Any]:
    import torch
    from benchmarks.coordination.communitynotes import run_communitynotes

    torch.set_num_threads(threads)
    start = time.perf_counter()
    cn = run_communitynotes(
        data.participant,
        data.statement,
        data.value,
        cn_dir,
        n_statements=data.truth.n_statements,
        seed=seed,
    )
    return {
        "threads": threads,
        "fit_seconds": cn.fit_seconds,
        "total_seconds": time.perf_counter() - start,
        "epochs": cn.epochs,
        "helpful": cn.status == "helpful",
    }


def one(n_votes: int, seed: int, cn_dir: Path | None, cn_threads: list[int]) -> dict[str, Any]:
    data = plant(n_votes, seed=seed)
    matrix = data.matrix()
    truth = data.bridging
    votes = matrix.seen_per_statement
    start = time.perf_counter()
    labels = analyze(matrix).labels
    groups_time = time.perf_counter() - start
    start = time.perf_counter()
    result = convergence(matrix, labels, settings=ConvergenceSettings(random_state=seed))
    verdict_time = time.perf_counter() - start
    fit_only = result.bridging
    start = time.perf_counter()  # the fit ran inside convergence; timed alone for the comparison with CN's
    BridgingModel(random_state=seed).fit(matrix)
    fit_time = time.perf_counter() - start
    p = result.probability
    row: dict[str, Any] = {
        "n_votes": matrix.n_votes,
        "seed": seed,
        "n_statements": matrix.n_statements,
        "n_participants": matrix.n_participants,
        "median_votes_per_statement": float(np.median(votes)),
        "n_bridging": int(truth.sum()),
        "ours": scores(result.verdict == "convergence", truth, votes),
        "old_status": scores(fit_only.status == "bridging", truth, votes),
        "oracle_intercept": scores(oracle_call(fit_only.intercept, truth), truth, votes),
        "oracle_probability": scores(oracle_call(p, truth), truth, votes),
        "pass_modes": pass_modes(data, result, votes),
        "seconds": {"groups": groups_time, "convergence": verdict_time, "bridging_fit": fit_time},
        "calibration": {"p": p.tolist(), "truth": truth.tolist()},
        "cn": [],
    }
    if cn_dir is not None:
        for threads in cn_threads:
            cn = run_cn(data, cn_dir, threads, seed)
            helpful = cn.pop("helpful")
            row["cn"].append({**cn, **scores(helpful, truth, votes)})
    return row


def calibration_table(rows: list[dict[str, Any]]) -> list[tuple[str, int, float, float]]:
    p = np.concatenate([r["calibration"]["p"] for r in rows])
    truth = np.concatenate([r["calibration"]["truth"] for r in rows]).astype(float)
    decile = np.minimum((p * 10).astype(int), 9)
    out = []
    for d in range(10):
        inside = decile == d
        if inside.any():
            out.append(
                (
                    f"{d / 10:.1f}–{(d + 1) / 10:.1f}",
                    int(inside.sum()),
                    float(p[inside].mean()),
                    float(truth[inside].mean()),
                )
            )
    return out


def wilson(share: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson interval of a share observed among n: how far sampling alone moves a decile's figure."""
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def fmt(s: dict[str, Any]) -> str:
    return f"{s['precision']:.3f} / {s['recall']:.3f}"


def report(rows: list[dict[str, Any]]) -> None:
    print(
        "\n| votes | seed | statements | median votes/statement | ours P / R | oracle (intercept) R | 0.9 × oracle |"
        " CN P / R | CN + 0.15 | old status P / R | met |"
    )
    print("|---:|---:|---:|---:|---|---:|---:|---|---:|---|---|")
    for r in rows:
        ours, oracle = r["ours"], r["oracle_intercept"]
        cn = r["cn"][0] if r["cn"] else None
        met = ours["precision"] >= TARGET and ours["recall"] >= 0.9 * oracle["recall"]
        if cn is not None:
            met = met and ours["recall"] >= cn["recall"] + 0.15
        print(
            f"| {r['n_votes']:,} | {r['seed']} | {r['n_statements']:,} | {r['median_votes_per_statement']:.0f} |"
            f" {fmt(ours)} | {oracle['recall']:.3f} | {0.9 * oracle['recall']:.3f} |"
            f" {fmt(cn) if cn else '–'} | {cn['recall'] + 0.15 if cn else float('nan'):.3f} |"
            f" {fmt(r['old_status'])} | {'yes' if met else 'NO'} |"
        )
    print("\nRecall by votes per statement (called / planted bridging in the band)")
    print("| votes | seed | rule | " + " | ".join(band_name(b) for b in BANDS) + " |")
    print("|---:|---:|---|" + "---:|" * len(BANDS))
    for r in rows:
        rules = [("ours", r["ours"]), ("oracle (intercept)", r["oracle_intercept"])]
        rules += [("Community Notes", r["cn"][0])] if r["cn"] else []
        rules += [("old status", r["old_status"])]
        for name, s in rules:
            cells = " | ".join(
                f"{c}/{n} ({c / n:.2f})" if n else "–" for c, n in (s["bands"][band_name(b)] for b in BANDS)
            )
            print(f"| {r['n_votes']:,} | {r['seed']} | {name} | {cells} |")
    print("\nPasses (bridging-axis call alone, same rule): precision / recall")
    print("| votes | seed | " + " | ".join(PASS_MODES) + " |")
    print("|---:|---:|" + "---|" * len(PASS_MODES))
    for r in rows:
        print(
            f"| {r['n_votes']:,} | {r['seed']} | "
            + " | ".join(fmt(r["pass_modes"][m]) for m in PASS_MODES)
            + " |"
        )
    print(
        "\nCalibration (pooled): statements given p in the decile; mean p; share truly bridging (95% Wilson)"
    )
    print("| decile | statements | mean p | observed | 95% interval | difference | within ±0.05 |")
    print("|---|---:|---:|---:|---|---:|---|")
    for name, n, mean_p, observed in calibration_table(rows):
        low, high = wilson(observed, n)
        verdict = (
            "yes"
            if abs(observed - mean_p) <= 0.05
            else ("within sampling error" if low - 0.05 <= mean_p <= high + 0.05 else "NO")
        )
        print(
            f"| {name} | {n:,} | {mean_p:.3f} | {observed:.3f} | {low:.3f}–{high:.3f} | {observed - mean_p:+.3f} | {verdict} |"
        )
    print(
        "\nTimes (s): ours = bridging fit alone / whole convergence verdict (+ opinion groups); Community Notes run_mf"
    )
    for r in rows:
        t = r["seconds"]
        cn = ", ".join(
            f"{c['threads']} thread{'s' if c['threads'] > 1 else ''} {c['fit_seconds']:.1f} s ({c['epochs']} epochs,"
            f" {c['fit_seconds'] / t['bridging_fit']:.0f}× our fit)"
            for c in r["cn"]
        )
        print(
            f"- {r['n_votes']:,} votes, seed {r['seed']}: ours {t['bridging_fit']:.2f} / {t['convergence']:.1f}"
            f" (+{t['groups']:.1f}); Community Notes {cn or '–'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communitynotes", type=Path, help="checkout of twitter/communitynotes")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--cn-threads", default="1,2")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "verdict.jsonl")
    parser.add_argument("--report", action="store_true", help="print the tables of the rows already in --out")
    parser.add_argument(
        "--cn-only",
        action="store_true",
        help="Community Notes alone (its run at a size where ours ran apart)",
    )
    args = parser.parse_args()
    if args.cn_only:
        for size in (int(x) for x in args.sizes.split(",")):
            for seed in (int(x) for x in args.seeds.split(",")):
                data = plant(size, seed=seed)
                votes = data.matrix().seen_per_statement
                for threads in (int(t) for t in args.cn_threads.split(",") if t):
                    cn = run_cn(data, args.communitynotes, threads, seed)
                    helpful = cn.pop("helpful")
                    row = {"n_votes": size, "seed": seed, **cn, **scores(helpful, data.bridging, votes)}
                    print(json.dumps(row), flush=True)
        return
    if args.report:
        report([json.loads(line) for line in args.out.read_text().splitlines() if line.strip()])
        return
    rows = []
    threads = [int(t) for t in args.cn_threads.split(",") if t]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for size in (int(x) for x in args.sizes.split(",")):
        for seed in (int(x) for x in args.seeds.split(",")):
            row = one(size, seed, args.communitynotes, threads)
            row["commit"] = commit
            with args.out.open("a") as out:  # one line per run, as it finishes: a long run keeps what it did
                out.write(json.dumps(row) + "\n")
            print(
                f"{size:,} votes, seed {seed}: ours {fmt(row['ours'])}, oracle R {row['oracle_intercept']['recall']:.3f}"
                + (f", CN {fmt(row['cn'][0])}" if row["cn"] else ""),
                flush=True,
            )
            rows.append(row)
    report(rows)


if __name__ == "__main__":
    main()
