"""A simulated dialogue: votes needed until the verdict finds the bridges, for three ways of routing statements.

    .venv/bin/python -m benchmarks.bridging.bench_routing                       # both tables, seeds 0-2
    .venv/bin/python -m benchmarks.bridging.bench_routing --scenario table --seeds 0,1,2,3,4

Planted participants (the statement and opinion model of `simulate_dialogue`, two camps 55/45, statements 25%
bridging, 45% divisive, 30% mixed) arrive one at a time; each is shown k statements, one after another, chosen by
the router among those they have not seen, and votes on each from the planted model
(`benchmarks/bridging/planted.planted_votes`). After every N votes the analysis is refreshed (as the web app's
debounced refresh does) and the verdict is scored against the truth. Reported: the votes cast when recall first
reaches 0.8 with precision ≥ 0.99.

Scenarios: **table** — 30 stakeholders (k = 40, arriving first) and 300 members of the public (k = 15) on 100
statements, refreshed every 25 votes; **public** — 5,000 participants (k = 15) on 400 statements, refreshed every
250 votes. When everyone has been once, people come back for another k (a second session), until the target is
reached or nothing is left to show.

Routers, all drawing with probability ∝ priority among unseen statements, as the app does:

- **random**: every unseen statement alike;
- **Pol.is**: `analysis.priority.routing_priority` from the latest `analysis.analyze` (before the first analysis,
  the new-statement boost alone, as `services.routing` does);
- **ours**: `VerdictRouting.priority` for the participant's side, read from their votes so far.

The verdict scored is the same for the three: `analysis.convergence` with the bridging lens (no group lens: the
opinion groups are the routers' business only through Pol.is's priority), coordination detection off (nobody is
coordinated here).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from benchmarks.bridging.planted import planted_votes
from numpy.typing import NDArray

from workingup.analysis import analyze
from workingup.analysis.convergence import ConvergenceSettings, convergence
from workingup.analysis.matrix import VoteMatrix
from workingup.simulation import SimulatedDialogue, simulate_dialogue

ROUTERS = ("random", "polis", "ours")
RECALL, PRECISION = 0.8, 0.99


@dataclass(frozen=True)
class Scenario:
    name: str
    n_statements: int
    visits: tuple[tuple[int, int], ...]
    """(participants, k) in order of arrival."""
    every: int


SCENARIOS = {
    "table": Scenario("30 stakeholders + 300 public", 100, ((30, 40), (300, 15)), 25),
    "public": Scenario("5,000 participants", 400, ((5000, 15),), 250),
}


def _score(truth: NDArray[np.bool_], called: NDArray[np.bool_]) -> tuple[float, float]:
    tp = float(np.sum(called & truth))
    return (tp / called.sum() if called.any() else 1.0), tp / truth.sum()


def simulate(scenario: Scenario, router: str, seed: int, max_rounds: int = 6) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    n_people = sum(n for n, _ in scenario.visits)
    k_of = np.concatenate([np.full(n, k) for n, k in scenario.visits])
    truth_sim: SimulatedDialogue = simulate_dialogue(
        n_people, scenario.n_statements, group_weights=(0.55, 0.45), seen_counts=[1] * n_people, seed=seed
    )
    truth = np.asarray(truth_sim.statement_type) == "bridging"
    n_s = scenario.n_statements
    seen = np.zeros((n_people, n_s), dtype=bool)
    vp: list[int] = []
    vs: list[int] = []
    vv: list[int] = []
    own: list[list[tuple[int, int]]] = [[] for _ in range(n_people)]
    draw = np.random.default_rng(seed + 1000)
    polis_priority: NDArray[np.float64] | None = None
    routing = None
    trace: list[tuple[int, float, float]] = []
    reached: int | None = None
    settings = ConvergenceSettings(lenses=("bridging",), detect_coordination=False, random_state=seed)
    # Stakeholders first, in their order; the public in random order; later sessions in random order too.
    first = np.r_[
        np.arange(scenario.visits[0][0]),
        scenario.visits[0][0] + rng.permutation(n_people - scenario.visits[0][0]),
    ]
    order = np.concatenate([first] + [rng.permutation(n_people) for _ in range(max_rounds - 1)])
    start = time.perf_counter()
    for person in order.tolist():
        for _ in range(int(k_of[person])):
            available = ~seen[person]
            if not available.any():
                break
            if router == "random" or (router == "polis" and polis_priority is None):
                if router == "polis":  # the app's fallback: the new-statement boost alone
                    count = (
                        np.bincount(np.asarray(vs, dtype=np.int64), minlength=n_s) if vs else np.zeros(n_s)
                    )
                    weight = (1.0 + 8.0 * 2.0 ** (-count / 5.0)) ** 2
                else:
                    weight = np.ones(n_s)
            elif router == "polis":
                assert polis_priority is not None
                weight = polis_priority
            elif routing is None:
                weight = np.ones(n_s)
            else:
                mine = own[person]
                side = routing.side_of(
                    np.array([s for s, _ in mine], np.int64), np.array([v for _, v in mine])
                )
                weight = routing.priority(side)
            w = np.where(available, np.maximum(weight, 0.0), 0.0)
            statement = (
                int(draw.choice(n_s, p=w / w.sum()))
                if w.sum() > 0
                else int(draw.choice(np.flatnonzero(available)))
            )
            value = int(planted_votes(truth_sim, np.array([person]), np.array([statement]), rng)[0])
            seen[person, statement] = True
            vp.append(person)
            vs.append(statement)
            vv.append(value)
            own[person].append((statement, value))
            if len(vv) % scenario.every == 0:
                matrix = VoteMatrix.from_arrays(
                    np.asarray(vp), np.asarray(vs), np.asarray(vv, np.int8), statements=np.arange(n_s)
                )
                result = convergence(matrix, np.full(matrix.n_participants, -1), settings=settings)
                precision, recall = _score(truth, result.verdict == "convergence")
                trace.append((len(vv), precision, recall))
                if reached is None and recall >= RECALL and precision >= PRECISION:
                    reached = len(vv)
                    return _done(scenario, router, seed, reached, trace, truth, start)
                routing = result.routing
                if router == "polis":
                    polis_priority = np.asarray(analyze(matrix).priority, dtype=np.float64)
    return _done(scenario, router, seed, reached, trace, truth, start)


def _done(
    scenario: Scenario,
    router: str,
    seed: int,
    reached: int | None,
    trace: list[tuple[int, float, float]],
    truth: NDArray[np.bool_],
    start: float,
) -> dict[str, Any]:
    return {
        "scenario": scenario.name,
        "router": router,
        "seed": seed,
        "n_bridging": int(truth.sum()),
        "votes_needed": reached,
        "votes_cast": trace[-1][0] if trace else 0,
        "final_precision": trace[-1][1] if trace else None,
        "final_recall": trace[-1][2] if trace else None,
        "min_precision_on_the_way": min((p for _, p, _ in trace), default=None),
        "seconds": time.perf_counter() - start,
        "trace": trace,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="table,public")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--routers", default=",".join(ROUTERS))
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "routing.json")
    args = parser.parse_args()
    runs = []
    for name in args.scenario.split(","):
        scenario = SCENARIOS[name]
        for seed in (int(x) for x in args.seeds.split(",")):
            for router in args.routers.split(","):
                run = simulate(scenario, router, seed)
                print(
                    f"{scenario.name}, seed {seed}, {router}: votes needed {run['votes_needed']}"
                    f" (cast {run['votes_cast']:,}, final P/R {run['final_precision']:.3f}/{run['final_recall']:.3f},"
                    f" lowest precision on the way {run['min_precision_on_the_way']:.3f}, {run['seconds']:.0f} s)",
                    flush=True,
                )
                runs.append(run)
    print("\n| scenario | seed | " + " | ".join(args.routers.split(",")) + " | ours / Pol.is |")
    print("|---|---:|" + "---:|" * (len(args.routers.split(",")) + 1))
    for name in args.scenario.split(","):
        for seed in (int(x) for x in args.seeds.split(",")):
            got = {
                r["router"]: r["votes_needed"]
                for r in runs
                if r["scenario"] == SCENARIOS[name].name and r["seed"] == seed
            }
            ratio = f"{got['ours'] / got['polis']:.2f}" if got.get("ours") and got.get("polis") else "–"
            cells = " | ".join(
                f"{got[r]:,}" if got.get(r) else "not reached" for r in args.routers.split(",")
            )
            print(f"| {SCENARIOS[name].name} | {seed} | {cells} | {ratio} |")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"commit": commit, "runs": runs}, indent=1) + "\n")


if __name__ == "__main__":
    main()
