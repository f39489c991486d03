"""Community Notes' own scorer on our votes: its matrix factorisation and its status rules, called from its code.

    .venv/bin/python -m benchmarks.coordination.communitynotes --communitynotes /work/peers/communitynotes

Why: our bridging model (`workingup.analysis.bridging`) re-implements Community Notes' (CN) model with alternating
ridge solves. To compare *verdicts*, not just the loss, this adapter feeds the same votes to CN's own code —
`MatrixFactorization().run_mf` and its scoring-rule classes — so nothing of CN's is re-typed here. CN's scorer is
not a package, so its repository is checked out outside ours and passed in as a folder; its `scoring/src` is put
on `sys.path` when `run_communitynotes` is called, never when this module is imported, and none of its code is
committed here.

Checkout (outside the repository; the benchmark takes the folder as an argument)::

    # fetch github:twitter/communitynotes, giving a bare git directory under /work/.mirror/, then
    git --git-dir=/work/.mirror/twitter+communitynotes/repo worktree add --detach /work/peers/communitynotes HEAD

Written against commit 273c895817a388e436d75e286fb20b7ad1c54736 (2026-07-17).

What CN needs in `.venv` (pandas 3.1.1, numpy, scikit-learn, joblib and torch 2.13.0 were already there)::

    .venv/bin/python -m pip install pyarrow      # CN's constants.py builds pd.StringDtype("pyarrow") at import

CN's `matrix_factorization/wandb_utils.py` also imports `wandb` (Weights & Biases, experiment telemetry) at
import time. It is not installed: it would pull a dozen packages (httpx, protobuf, opentelemetry…) into the
project's shared venv, and CN only ever calls `wandb.init(mode="disabled")` unless `WANDB_ENABLED=true`. When
`import wandb` fails, `_stub_wandb` registers a do-nothing module with the four names CN touches; the fit does
not depend on it. If wandb is installed, the real one is used.

Rating scale. CN's ratings are HELPFUL → helpfulNum 1.0, SOMEWHAT_HELPFUL → 0.5, NOT_HELPFUL → 0.0
(`process_data.py`, where `helpfulNumKey` is filled from `helpfulnessLevelKey`). Agree → 1.0 and disagree → 0.0
follow directly. A pass is *not* "somewhat helpful": on CN that is a rater's graded, mildly positive verdict,
whereas a pass is an abstention, and CN has no abstention on its scale — a rater who has no opinion simply does
not rate. So passes are left out by default (`pass_value=None`), and they do not count towards CN's minimum
numbers of ratings either. `pass_value=0.5` is there to measure what the other reading would change.

Thresholds, all read at call time from an instance of CN's `MFCoreScorer` (`mf_core_scorer.py`, which takes the
defaults of `MFBaseScorer.__init__` in `mf_base_scorer.py`), so they follow CN if it changes them:

- `crhThreshold` = 0.40: "currently rated helpful" (CRH) needs intercept ≥ 0.40 (`note_ratings.is_crh`, rule
  `RuleID.GENERAL_CRH`);
- `factorThreshold` = 0.5: a CRH note with |factor| > 0.5 loses CRH (`scoring_rules.FilterLargeFactor`, rule
  `RuleID.LARGE_FACTOR`) — to FIRM_REJECT, since `MFCoreScorer` sets `firmRejectThreshold` = 0.3; so CRH is
  intercept ≥ 0.40 and |factor| ≤ 0.5;
- `crnhThresholdIntercept` = −0.05 and `crnhThresholdNoteFactorMultiplier` = −0.8: "currently rated not
  helpful" (CRNH) needs intercept ≤ −0.05 − 0.8·|factor| (`note_ratings.is_crnh_diamond`, `RuleID.GENERAL_CRNH`);
- `firmRejectThreshold` = 0.3: a note neither CRNH nor CRH with intercept < 0.3 is FIRM_REJECT
  (`scoring_rules.RejectLowIntercept`, `RuleID.LOW_INTERCEPT`);
- `minRatingsNeeded` = 5: CRH and CRNH both need `numRatings` ≥ 5 (in `is_crh` / `is_crnh_diamond`);
- `minNumRatersPerNote` = 5 and `minNumRatingsPerRater` = 10: before the fit, `process_data.filter_ratings`
  drops notes with < 5 ratings, then raters with < 10, then notes again (the scorer's first-round
  `_prepare_data_for_scoring`). A note dropped there gets no intercept and stays NEEDS_MORE_RATINGS.

The rules are applied with CN's own `scoring_rules.apply_scoring_rules` in CN's order (INITIAL_NMR, GENERAL_CRH,
GENERAL_CRNH, LARGE_FACTOR, LOW_INTERCEPT). Left out, because our data has nothing for them: UCB_CRNH (needs the
pseudo-rater confidence bounds), RATIO_CRNH and NM_CRNH (per-side means; "not misleading" notes — every statement
here is treated as a note that says the post is misleading, the ordinary case), tag, "incorrect" and
low-diligence filters (no tags, no diligence model), CRH inertia and stable-CRH timing (no status history), the
minority-rater and rater-balance rules, and the second, reputation-filtered fit of the full scorer: this is one
`run_mf` with its defaults, i.e. the core model's first-round fit.

`run_mf` defaults, as read in `matrix_factorization.py`: one factor, global intercept, MSE loss, λ 0.03 on factors
and 0.15 on intercepts (mean-normalised), full-batch Adam stopped when the loss changes by < 1e-7, gradients
clipped to norm 1. Without `noteInit`/`userInit` Adam runs at `noInitLearningRate` = 1.0, not the 0.2
(`initLearningRate`) that `benchmarks/bridging` uses for its re-implementation.

Statuses returned (CN's own label is kept in `CNResult.cn_status`):

- "helpful": CN's CURRENTLY_RATED_HELPFUL;
- "not_helpful": CURRENTLY_RATED_NOT_HELPFUL;
- "needs_more_ratings": CN's NEEDS_MORE_RATINGS *for lack of ratings* — fewer than `minRatingsNeeded`, or dropped
  by `filter_ratings` before the fit (our "needs_more_votes");
- "no_status": enough ratings, but neither CRH nor CRNH (CN's NEEDS_MORE_RATINGS or FIRM_REJECT; our
  "no_consensus"). CN itself labels the in-between NEEDS_MORE_RATINGS too; splitting it off by CN's own
  minimum-ratings rule lines it up with our statuses.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

STATUSES = ("helpful", "not_helpful", "needs_more_ratings", "no_status")


@dataclass(frozen=True, slots=True)
class CNResult:
    """Per statement 0..n_statements-1: CN's fitted figures and the status its rules give them."""

    intercept: NDArray[np.float64]
    """CN's `internalNoteIntercept`; NaN where the statement was not fitted (too few ratings)."""
    factor: NDArray[np.float64]
    """CN's `internalNoteFactor1`, sign as CN identifies it (the larger group of raters negative); NaN if unfitted."""
    n_ratings: NDArray[np.int64]
    """CN's `numRatings`: ratings given to the scorer (passes excluded unless `pass_value` is set)."""
    status: NDArray[np.str_]
    """One of STATUSES."""
    cn_status: NDArray[np.str_]
    """CN's own label: CURRENTLY_RATED_HELPFUL, CURRENTLY_RATED_NOT_HELPFUL, NEEDS_MORE_RATINGS or FIRM_REJECT."""
    global_intercept: float
    fit_seconds: float
    """Wall time of `run_mf` alone."""
    epochs: int | None
    """Adam steps CN's `_fit_model` took, read from its "Num epochs" log line."""
    n_ratings_fitted: int
    """Ratings left after CN's minimum-ratings filter, i.e. what the factorisation saw."""
    thresholds: dict[str, float] = field(default_factory=dict)
    """The CN thresholds applied, by CN's parameter names."""


class _EpochLog(logging.Handler):
    """Catches CN's "Num epochs: N" line, the only place `run_mf` reports how many steps it took."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.epochs: int | None = None

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Num epochs:"):
            self.epochs = int(message.split(":")[1])


def _stub_wandb() -> None:
    """Let CN import without Weights & Biases: its wrapper only calls `init(mode="disabled")` unless enabled."""
    try:
        importlib.import_module("wandb")
    except ImportError:

        class _Run:
            def log(self, *args: Any, **kwargs: Any) -> None:
                pass

            def finish(self, *args: Any, **kwargs: Any) -> None:
                pass

        stub = types.ModuleType("wandb")
        stub.Settings = lambda **kwargs: dict(kwargs)  # type: ignore[attr-defined]
        stub.init = lambda *args, **kwargs: _Run()  # type: ignore[attr-defined]
        stub.login = lambda *args, **kwargs: None  # type: ignore[attr-defined]
        stub.wandb_run = types.SimpleNamespace(Run=_Run)  # type: ignore[attr-defined]
        sys.modules["wandb"] = stub


def _import_cn(cn_dir: Path) -> types.SimpleNamespace:
    """Import CN's scorer modules from `cn_dir/scoring/src` (its top-level package is called `scoring`)."""
    src = (Path(cn_dir) / "scoring" / "src").resolve()
    if not (src / "scoring" / "matrix_factorization" / "matrix_factorization.py").is_file():
        raise FileNotFoundError(f"not a Community Notes checkout: {cn_dir} (no scoring/src/scoring/...)")
    loaded = sys.modules.get("scoring")
    if loaded is not None and Path(loaded.__file__ or "").resolve().parent.parent != src:
        raise ImportError(f"a different 'scoring' package is already imported: {loaded.__file__}")
    if str(src) not in sys.path:
        sys.path.insert(0, str(src))
    _stub_wandb()
    return types.SimpleNamespace(
        c=importlib.import_module("scoring.constants"),
        mf=importlib.import_module("scoring.matrix_factorization.matrix_factorization"),
        note_ratings=importlib.import_module("scoring.note_ratings"),
        process_data=importlib.import_module("scoring.process_data"),
        rules=importlib.import_module("scoring.scoring_rules"),
        core=importlib.import_module("scoring.mf_core_scorer"),
    )


def run_communitynotes(
    participant: ArrayLike,
    statement: ArrayLike,
    value: ArrayLike,
    cn_dir: Path,
    *,
    n_statements: int | None = None,
    pass_value: float | None = None,
    seed: int | None = None,
) -> CNResult:
    """Fit CN's matrix factorisation to final votes and apply CN's status rules to every statement.

    participant, statement, value: one final vote per (participant, statement); value +1 agree, -1 disagree,
    0 pass. Agree is rated HELPFUL (1.0), disagree NOT_HELPFUL (0.0); passes are left out unless `pass_value`
    (e.g. 0.5, SOMEWHAT_HELPFUL) is given. `seed` is handed to `MatrixFactorization(seed=...)`, which calls
    `torch.manual_seed` — None keeps CN's default (unseeded Glorot-uniform factors).
    """
    import pandas as pd

    cn = _import_cn(cn_dir)
    c = cn.c
    scorer = cn.core.MFCoreScorer()
    min_ratings_needed = int(scorer._minRatingsNeeded)
    thresholds = {
        "crhThreshold": float(scorer._crhThreshold),
        "factorThreshold": float(scorer._factorThreshold),
        "crnhThresholdIntercept": float(scorer._crnhThresholdIntercept),
        "crnhThresholdNoteFactorMultiplier": float(scorer._crnhThresholdNoteFactorMultiplier),
        "firmRejectThreshold": float(scorer._firmRejectThreshold),
        "minRatingsNeeded": min_ratings_needed,
        "minNumRatersPerNote": int(scorer._minNumRatersPerNote),
        "minNumRatingsPerRater": int(scorer._minNumRatingsPerRater),
    }

    p = np.asarray(participant, dtype=np.int64)
    s = np.asarray(statement, dtype=np.int64)
    v = np.asarray(value, dtype=np.int64)
    if not (p.shape == s.shape == v.shape):
        raise ValueError("participant, statement and value must have the same length")
    n_s = int(n_statements if n_statements is not None else (s.max() + 1 if len(s) else 0))
    helpful = np.where(v > 0, 1.0, np.where(v < 0, 0.0, np.nan if pass_value is None else float(pass_value)))
    keep = ~np.isnan(helpful)
    ratings = pd.DataFrame(
        {
            c.noteIdKey: s[keep],
            c.raterParticipantIdKey: pd.array(p[keep].astype(str), dtype=c.participantIdDtype),
            c.helpfulNumKey: helpful[keep],
        }
    )
    n_ratings = np.bincount(s[keep], minlength=n_s).astype(np.int64)

    filtered = cn.process_data.filter_ratings(
        ratings,
        minNumRatingsPerRater=thresholds["minNumRatingsPerRater"],
        minNumRatersPerNote=thresholds["minNumRatersPerNote"],
        log=False,
    )
    intercept = np.full(n_s, np.nan)
    factor = np.full(n_s, np.nan)
    global_intercept, fit_seconds, epochs = float("nan"), 0.0, None
    if len(filtered):
        mf = cn.mf.MatrixFactorization(seed=seed) if seed is not None else cn.mf.MatrixFactorization()
        log = _EpochLog()
        mf_logger = logging.getLogger("birdwatch.matrix_factorization")
        mf_logger.addHandler(log)
        try:
            with warnings.catch_warnings():
                # pandas 3 hands CN read-only arrays for the labels; CN never writes to them.
                warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
                start = time.perf_counter()
                note_params, _rater_params, global_intercept = mf.run_mf(filtered.reset_index(drop=True))
                fit_seconds = time.perf_counter() - start
        finally:
            mf_logger.removeHandler(log)
        epochs = log.epochs
        ids = note_params[c.noteIdKey].to_numpy(dtype=np.int64)
        intercept[ids] = note_params[c.internalNoteInterceptKey].to_numpy(dtype=np.float64)
        factor[ids] = note_params[c.internalNoteFactor1Key].to_numpy(dtype=np.float64)

    note_stats = pd.DataFrame(
        {
            c.noteIdKey: np.arange(n_s, dtype=np.int64),
            c.numRatingsKey: n_ratings,
            c.internalNoteInterceptKey: intercept,
            c.internalNoteFactor1Key: factor,
            c.classificationKey: c.notesSaysTweetIsMisleadingKey,
        }
    )
    cn_status = _apply_cn_rules(cn, note_stats, thresholds)
    status = np.where(
        cn_status == c.currentlyRatedHelpful,
        "helpful",
        np.where(
            cn_status == c.currentlyRatedNotHelpful,
            "not_helpful",
            np.where(
                (n_ratings < min_ratings_needed) | np.isnan(intercept), "needs_more_ratings", "no_status"
            ),
        ),
    ).astype("<U18")
    return CNResult(
        intercept=intercept,
        factor=factor,
        n_ratings=n_ratings,
        status=status,
        cn_status=cn_status,
        global_intercept=float(global_intercept) if global_intercept is not None else float("nan"),
        fit_seconds=fit_seconds,
        epochs=epochs,
        n_ratings_fitted=len(filtered),
        thresholds=thresholds,
    )


def _apply_cn_rules(cn: types.SimpleNamespace, note_stats: Any, t: dict[str, float]) -> NDArray[np.str_]:
    """CN's rules, CN's classes, CN's order; dependencies trimmed to the rules that run (see module docstring)."""
    c, nr, r = cn.c, cn.note_ratings, cn.rules
    rid = r.RuleID
    n_min = int(t["minRatingsNeeded"])
    rules = [
        r.DefaultRule(rid.INITIAL_NMR, set(), c.needsMoreRatings),
        r.RuleFromFunction(
            rid.GENERAL_CRH,
            {rid.INITIAL_NMR},
            c.currentlyRatedHelpful,
            lambda ns: nr.is_crh(ns, n_min, t["crhThreshold"]),
            onlyApplyToNotesThatSayTweetIsMisleading=True,
        ),
        r.RuleFromFunction(
            rid.GENERAL_CRNH,
            {rid.INITIAL_NMR},
            c.currentlyRatedNotHelpful,
            lambda ns: nr.is_crnh_diamond(
                ns, n_min, t["crnhThresholdIntercept"], t["crnhThresholdNoteFactorMultiplier"]
            ),
            onlyApplyToNotesThatSayTweetIsMisleading=False,
        ),
        r.FilterLargeFactor(rid.LARGE_FACTOR, {rid.GENERAL_CRH}, c.firmReject, t["factorThreshold"]),
        r.RejectLowIntercept(rid.LOW_INTERCEPT, {rid.LARGE_FACTOR}, c.firmReject, t["firmRejectThreshold"]),
    ]
    scored = r.apply_scoring_rules(note_stats, rules, c.internalRatingStatusKey, c.internalActiveRulesKey)
    scored = scored.set_index(c.noteIdKey).reindex(note_stats[c.noteIdKey])
    return scored[c.internalRatingStatusKey].to_numpy(dtype=str)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--communitynotes", type=Path, required=True, help="checkout of twitter/communitynotes"
    )
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--statements", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0, help="simulation seed, also CN's torch seed")
    parser.add_argument(
        "--pass-value", type=float, default=None, help="rate passes this (default: leave out)"
    )
    args = parser.parse_args()

    from workingup.simulation import simulate_dialogue

    sim = simulate_dialogue(args.participants, args.statements, seed=args.seed)
    p, s, v = sim.final_votes()
    start = time.perf_counter()
    res = run_communitynotes(
        p,
        s,
        v,
        args.communitynotes,
        n_statements=sim.n_statements,
        pass_value=args.pass_value,
        seed=args.seed,
    )
    total = time.perf_counter() - start

    planted = np.asarray(sim.statement_type)
    bridging = planted == "bridging"
    helpful = res.status == "helpful"
    tp = int((helpful & bridging).sum())
    precision = tp / helpful.sum() if helpful.any() else float("nan")
    recall = tp / bridging.sum() if bridging.any() else float("nan")

    print(
        f"data: simulate_dialogue({args.participants}, {args.statements}, seed={args.seed}): {len(v):,} final votes,"
        f" {int((v == 0).sum()):,} passes ({'left out' if args.pass_value is None else f'rated {args.pass_value}'});"
        f" {res.n_ratings_fitted:,} ratings after CN's filter"
    )
    print("thresholds: " + ", ".join(f"{k}={val:g}" for k, val in res.thresholds.items()))
    print(
        f"fit: run_mf {res.fit_seconds:.2f} s, {res.epochs} Adam steps (whole adapter {total:.2f} s), global intercept {res.global_intercept:.3f}"
    )
    print(
        f"'helpful' vs planted bridging: precision {precision:.3f} ({tp}/{int(helpful.sum())}), recall {recall:.3f} ({tp}/{int(bridging.sum())})"
    )
    print()
    header = (
        f"{'planted':<10}"
        + "".join(f"{st:>20}" for st in STATUSES)
        + f"{'mean intercept':>16}{'mean |factor|':>15}"
    )
    print(header)
    for kind in sorted(set(planted), key=list(planted).index):
        rows = planted == kind
        counts = "".join(f"{int((res.status[rows] == st).sum()):>20}" for st in STATUSES)
        print(
            f"{kind:<10}{counts}{np.nanmean(res.intercept[rows]):>16.3f}{np.nanmean(np.abs(res.factor[rows])):>15.3f}"
        )


if __name__ == "__main__":
    main()
