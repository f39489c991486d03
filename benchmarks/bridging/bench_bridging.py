"""Bridging model: recovery of planted truth and fit time, ours beside Community Notes' fitting method, one run.

    .venv/bin/python benchmarks/bridging/bench_bridging.py                # recovery + speed, ~3 minutes
    .venv/bin/python benchmarks/bridging/bench_bridging.py --quick        # small sizes only

Data: `workingup.simulation.simulate_dialogue` (planted opinion groups; statements planted as bridging, divisive,
rejected or noise; each participant sees 10–60 statements, 12% passes, 2% changed votes), seeds stated in the
output.

Peer: Community Notes' fitting method — the same model and mean-normalised loss, full-batch Adam (learning rate
0.2) from Glorot-uniform factors and zero intercepts, stopped when the loss changes by less than 1e-7 between
steps, as the Community Notes scorer does — written for this benchmark in PyTorch (CPU, 2 threads), since the
scorer itself is not packaged. Ours: alternating closed-form ridge solves (analysis/factorization.py).

Recovery: ROC AUC of the statement intercept for "planted bridging vs the rest", and the share of planted
divisive statements whose factor has the planted sign (after aligning the arbitrary global sign). Speed: wall
time of the fit alone; peak memory of the whole process for our fit at each size (separate processes).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
from sklearn.metrics import roc_auc_score

from workingup.analysis.bridging import BridgingModel
from workingup.analysis.matrix import VoteMatrix
from workingup.simulation import simulate_dialogue


def ratings(matrix: VoteMatrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    values = matrix.votes.data
    return (
        matrix.row_of_vote,
        matrix.votes.indices.astype(np.int64),
        np.where(values == 1, 1.0, np.where(values == -1, 0.0, 0.5)),
    )


def fit_torch_adam(
    rows, cols, r, shape, max_steps: int = 20_000
) -> tuple[np.ndarray, np.ndarray, float, int]:
    import torch

    torch.manual_seed(0)
    n_rows, n_cols = shape
    rows_t = torch.as_tensor(rows)
    cols_t = torch.as_tensor(cols)
    r_t = torch.as_tensor(r, dtype=torch.float32)
    user_f = torch.nn.Parameter(torch.empty(n_rows, 1))
    note_f = torch.nn.Parameter(torch.empty(n_cols, 1))
    torch.nn.init.xavier_uniform_(user_f)
    torch.nn.init.xavier_uniform_(note_f)
    user_i = torch.nn.Parameter(torch.zeros(n_rows))
    note_i = torch.nn.Parameter(torch.zeros(n_cols))
    mu = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.Adam([user_f, note_f, user_i, note_i, mu], lr=0.2)
    previous = float("inf")
    start = time.perf_counter()
    step = 0
    for step in range(1, max_steps + 1):  # noqa: B007 - the count is reported
        optimizer.zero_grad()
        pred = mu + user_i[rows_t] + note_i[cols_t] + (user_f[rows_t] * note_f[cols_t]).sum(dim=1)
        loss = ((r_t - pred) ** 2).mean()
        loss = loss + 0.03 * ((user_f**2).mean() + (note_f**2).mean())
        loss = loss + 0.15 * ((user_i**2).mean() + (note_i**2).mean()) + 0.15 * (mu**2).mean()
        loss.backward()
        optimizer.step()
        value = float(loss)
        if abs(previous - value) < 1e-7:
            break
        previous = value
    elapsed = time.perf_counter() - start
    return note_i.detach().numpy().copy(), note_f.detach().numpy()[:, 0].copy(), elapsed, step


def sign_agreement(sim, factor: np.ndarray) -> float:
    divisive = sim.statements_of_type("divisive")
    planted = np.where(sim.favoured_group[divisive] == 1, 1.0, -1.0)
    got = np.sign(factor[divisive])
    return float(max(np.mean(planted == got), np.mean(planted == -got)))


def recovery(sizes: list[tuple[int, int, int]], with_peer: bool) -> None:
    print(
        "Recovery of planted truth (AUC: intercept ranks planted bridging first; sign: divisive factor sign)"
    )
    print(
        f"{'participants':>12} {'statements':>10} {'votes':>10} {'seed':>4} | {'ours AUC':>8} {'sign':>6} {'time':>7}"
        + (f" | {'CN-Adam AUC':>11} {'sign':>6} {'time':>7} {'steps':>6}" if with_peer else "")
    )
    for n_p, n_s, seed in sizes:
        sim = simulate_dialogue(n_p, n_s, seed=seed)
        matrix = VoteMatrix.from_simulation(sim)
        bridging = np.asarray(sim.statement_type) == "bridging"
        start = time.perf_counter()
        model = BridgingModel().fit(matrix)
        ours_time = time.perf_counter() - start
        auc = roc_auc_score(bridging, model.table_.intercept)
        sign = sign_agreement(sim, model.table_.factor)
        line = f"{n_p:>12,} {n_s:>10,} {matrix.n_votes:>10,} {seed:>4} | {auc:>8.4f} {sign:>6.3f} {ours_time:>6.2f}s"
        if with_peer:
            rows, cols, r = ratings(matrix)
            intercept, factor, peer_time, steps = fit_torch_adam(rows, cols, r, matrix.shape)
            line += (
                f" | {roc_auc_score(bridging, intercept):>11.4f} {sign_agreement(sim, factor):>6.3f}"
                f" {peer_time:>6.2f}s {steps:>6}"
            )
        print(line, flush=True)


def peak_rss_mib() -> float:
    """This process's own high-water mark (VmHWM). Not ru_maxrss, which Linux carries over from the parent."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_speed_run(n_p: int, n_s: int, low: int, high: int) -> dict[str, float]:
    sim = simulate_dialogue(n_p, n_s, votes_per_participant=(low, high), revote_rate=0.0, seed=0)
    matrix = VoteMatrix.from_simulation(sim)
    del sim
    start = time.perf_counter()
    model = BridgingModel().fit(matrix)
    elapsed = time.perf_counter() - start
    return {
        "votes": matrix.n_votes,
        "seconds": elapsed,
        "iterations": model.fit_.n_iter,
        "peak_rss_mib": peak_rss_mib(),
    }


def speed(sizes: list[tuple[int, int, int, int]], peer_sizes: set[int]) -> None:
    print("\nFit time (fit only; peak RSS of a fresh process that also built the matrix)")
    for n_p, n_s, low, high in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--speed-one", f"{n_p},{n_s},{low},{high}"],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(out.stdout)
        line = (
            f"{n_p:>9,} × {n_s:>5,}: {result['votes']:>11,} votes  ours {result['seconds']:6.2f} s"
            f" ({result['iterations']} sweeps), peak RSS {result['peak_rss_mib']:,.0f} MiB"
        )
        if n_p in peer_sizes:
            sim = simulate_dialogue(n_p, n_s, votes_per_participant=(low, high), revote_rate=0.0, seed=0)
            matrix = VoteMatrix.from_simulation(sim)
            rows, cols, r = ratings(matrix)
            _, _, peer_time, steps = fit_torch_adam(rows, cols, r, matrix.shape)
            line += (
                f"; CN-Adam {peer_time:6.2f} s ({steps} steps), ratio {peer_time / result['seconds']:.1f}×"
            )
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--speed-one")
    args = parser.parse_args()
    if args.speed_one:
        n_p, n_s, low, high = (int(x) for x in args.speed_one.split(","))
        print(json.dumps(one_speed_run(n_p, n_s, low, high)))
        return
    import torch

    torch.set_num_threads(2)
    with_peer = not args.no_peer
    if args.quick:
        recovery([(1000, 60, 0), (5000, 200, 1)], with_peer)
        speed([(20_000, 1000, 20, 80)], {20_000} if with_peer else set())
        return
    recovery(
        [
            (1000, 60, 0),
            (1000, 60, 1),
            (5000, 200, 2),
            (20_000, 400, 3),
            (50_000, 500, 4),
            (200_000, 1000, 5),
        ],
        with_peer,
    )
    speed(
        [(2_000, 100, 40, 60), (20_000, 1000, 20, 80), (200_000, 2000, 30, 70)],
        {2_000, 20_000} if with_peer else set(),
    )


if __name__ == "__main__":
    main()
