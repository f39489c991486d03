"""One convergence verdict per statement, from three lenses a facilitator can each inspect.

1. **Opinion groups** (inferred from votes): does every group agree? Each group's agreement gets a Beta interval,
   *cross-group support* is the lowest group's lower bound; Pol.is's group-informed consensus is shown beside it
   with a bootstrap interval.
2. **Bridging model** (Community Notes): do people on both sides of the main divide support it?
3. **Declared blocs** (from the roster: self-declared leaning, or sector): does every bloc agree? Same figures as
   lens 1, on blocs people chose for themselves.

A lens *passes* when its figure clears the bar: cross-group / cross-bloc support ≥ 0.5 (every group's or bloc's
agreement is above one half with 90% credibility), bridging status "bridging".

**The calibrated call** (analysis/verdict.py): every participant is placed on one side of the bridging model's
axis, and each statement gets the probability that *both* sides' agreement is at least `side_threshold`, under a
prior learnt from all statements of the dialogue (empirical Bayes), with a credible interval for the lower
side's agreement. Few votes give a wide interval and a middling probability, not a point estimate shrunk to the
middle, so a real bridge seen by twenty people can be called when the evidence allows. Statements are called
"convergence" in order of probability while the expected share of wrong calls among those called stays at most
`max_false_share` (0.5%: on planted data the realised precision is ≥ 0.99; benchmarks/bridging/README.md).
Why not "every lens passes": opinion groups over-split (three groups of a two-camp dialogue), and a lens that
asks each of them for a 90% credible majority fails statements that both camps support; the group and bloc
lenses *veto* instead: a statement some group or declared bloc clearly does not support (upper bound below the
bar) is never called.

The verdict:

- **excluded**: moderated out or meta;
- **needs more votes**: fewer than `min_votes` votes — never consensus, whatever the figures; and, when not
  called, fewer than `min_group_votes` from some group or bloc it is judged across, or too few from either side
  of the bridging axis;
- **convergence**: called as above (without the bridging lens: every available lens passes);
- **rejected** (printed "unsupported", analysis/figures.py): the bridging lens finds little support on both sides,
  or every group's agreement is below one half with 90% credibility — not "rejected by all": passes count as not
  agreeing, so a 381 agree / 367 disagree / 197 pass split can be unsupported;
- **divided**: the bridging lens calls it divisive, or one group/bloc clearly agrees while another clearly does not;
- **partial**: some lenses pass, not all (the record says which);
- **no consensus**: none of the above.

Coordinated voting: blocs of alike voters are detected first (analysis/coordination.py) and every lens counts
each such bloc as one voice, so copies added by a script cannot move a verdict; an opinion group made mostly of
a bloc is left out of the group lens (`unjudged_groups`), since one copied voice is not a group that must agree. Pol.is's group-informed
consensus is reported as Pol.is computes it (unweighted), so a facilitator can see how far an attack moves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from workingup.analysis.blocs import BlocSupport, bloc_support
from workingup.analysis.bridging import BridgingModel, BridgingTable
from workingup.analysis.convergence_settings import LENSES, VERDICTS, ConvergenceSettings
from workingup.analysis.coordination import CoordinationReport, detect_coordination
from workingup.analysis.figures import support as shown_support
from workingup.analysis.matrix import VoteMatrix
from workingup.analysis.priority import VerdictRouting
from workingup.analysis.result import group_name
from workingup.analysis.uncertainty import gic_bootstrap
from workingup.analysis.verdict import (
    SidePosterior,
    calibrated_call,
    factor_cut,
    side_counts,
    side_posterior,
)

__all__ = ["LENSES", "VERDICTS", "ConvergenceResult", "ConvergenceSettings", "convergence"]


@dataclass(frozen=True, eq=False)
class ConvergenceResult:
    statement_ids: NDArray[Any]
    settings: ConvergenceSettings
    groups: BlocSupport
    """Lens 1: agreement per opinion group (groups named A, B, …)."""
    gic: NDArray[np.float64]
    gic_lower: NDArray[np.float64]
    gic_upper: NDArray[np.float64]
    bridging: BridgingTable
    """Lens 2."""
    blocs: BlocSupport | None
    """Lens 3; None when the roster declares no blocs."""
    coordination: CoordinationReport
    verdict: NDArray[np.str_]
    group_lens: NDArray[np.bool_]
    bridging_lens: NDArray[np.bool_]
    bloc_lens: NDArray[np.bool_]
    reasons: tuple[str, ...] = field(repr=False)
    unjudged_groups: tuple[str, ...] = ()
    """Opinion groups made mostly of a coordinated bloc: left out of the group lens (their members count once
    in the others)."""
    support: SidePosterior | None = field(default=None, repr=False)
    """The calibrated call's evidence: per-side counts, P(both sides support), its interval; None without the
    bridging lens."""
    participant_side: NDArray[np.int64] | None = field(default=None, repr=False)
    """Side of the bridging axis per participant (0 low, 1 high, -1 unknown), matrix order."""
    routing: VerdictRouting | None = field(default=None, repr=False)
    """Routing by the verdict (analysis/priority.py); None without the bridging lens."""

    @property
    def probability(self) -> NDArray[np.float64]:
        """P(both sides support) per statement; NaN without the bridging lens."""
        if self.support is None:
            return np.full(len(self.statement_ids), np.nan)
        return self.support.probability

    def counts(self) -> dict[str, int]:
        return {v: int(np.sum(self.verdict == v)) for v in VERDICTS}

    def to_dict(self) -> dict[str, Any]:
        return {
            "settings": self.settings.to_dict(),
            "statement_ids": self.statement_ids.tolist(),
            "verdict": self.verdict.tolist(),
            "reasons": list(self.reasons),
            "lenses": {
                "groups": {
                    "passed": self.group_lens.tolist(),
                    "support": self.groups.to_dict(),
                    "gic": self.gic.tolist(),
                    "gic_lower": self.gic_lower.tolist(),
                    "gic_upper": self.gic_upper.tolist(),
                },
                "bridging": {"passed": self.bridging_lens.tolist(), **self.bridging.to_dict()},
                "blocs": None
                if self.blocs is None
                else {"passed": self.bloc_lens.tolist(), "support": self.blocs.to_dict()},
            },
            "coordination": self.coordination.to_dict(),
            "unjudged_groups": list(self.unjudged_groups),
            "support": None if self.support is None else self.support.to_dict(),
            "routing": None if self.routing is None else self.routing.to_dict(),
        }


def convergence(
    matrix: VoteMatrix,
    labels: NDArray[np.integer],
    *,
    bloc: NDArray[np.integer] | None = None,
    bloc_names: tuple[str, ...] = (),
    orientation: NDArray[np.float64] | None = None,
    first_vote_time: NDArray[np.float64] | None = None,
    settings: ConvergenceSettings | None = None,
    bridging_model: BridgingModel | None = None,
) -> ConvergenceResult:
    """The three lenses and the verdict for every statement.

    `labels`: opinion group per participant (-1: not clustered), e.g. `AnalysisResult.labels`.
    `bloc`/`bloc_names`: declared bloc per participant (-1: none declared). `orientation`: a number per
    participant fixing the sign of the bridging axis (e.g. declared leaning, left −2 … right +2, NaN unknown).
    """
    settings = settings or ConvergenceSettings()
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (matrix.n_participants,):
        raise ValueError("labels needs one entry per participant")
    n_groups = int(labels.max(initial=-1)) + 1

    use_groups, use_bridging = "groups" in settings.lenses, "bridging" in settings.lenses
    if not use_groups:
        labels = np.full_like(labels, -1)
        n_groups = 0
    if settings.detect_coordination:
        coordination = detect_coordination(
            matrix, first_vote_time=first_vote_time, random_state=settings.random_state
        )
    else:
        coordination = CoordinationReport((), np.ones(matrix.n_participants), {})
    weight = coordination.participant_weight if settings.collapse_coordinated else None

    # A group made mostly of a coordinated bloc is not a group of people who think alike but one voice copied:
    # "does every group agree" must not hang on it (counted as one voice it would have too few votes to judge,
    # and every statement would fail the lens). Its members still count, once, in the other lenses.
    judged = np.arange(n_groups)
    if settings.collapse_coordinated and n_groups:
        flagged = coordination.flagged()
        members = np.bincount(labels[labels >= 0], minlength=n_groups)
        copied = np.bincount(labels[(labels >= 0) & flagged], minlength=n_groups)
        judged = np.flatnonzero(copied * 2 <= members)
    unjudged = tuple(group_name(g) for g in range(n_groups) if g not in set(judged.tolist()))
    lens_labels = np.full_like(labels, -1)
    for new, old in enumerate(judged.tolist()):
        lens_labels[labels == old] = new
    group_names = tuple(group_name(g) for g in judged.tolist())
    groups = bloc_support(
        matrix, lens_labels, group_names, participant_weight=weight, level=settings.level, min_bloc_votes=1.0
    )
    n_lens_groups = len(judged)
    gic, gic_lower, gic_upper = gic_bootstrap(
        matrix,
        labels,
        n_groups,
        n_boot=settings.n_boot,
        level=settings.level,
        random_state=settings.random_state,
    )
    model = bridging_model or BridgingModel(random_state=settings.random_state)
    usable = ~(matrix.rejected | matrix.meta)
    sides: SidePosterior | None = None
    side: NDArray[np.int64] | None = None
    routing: VerdictRouting | None = None
    if use_bridging and matrix.n_votes and np.any(matrix.seen_per_statement[usable] > 0):
        bridging = model.fit(matrix, participant_weight=weight, orientation=orientation).table_
        sides, side, routing = _side_support(matrix, model, weight, settings)
    else:
        bridging = BridgingTable.unfitted(matrix)

    blocs = None
    if "blocs" in settings.lenses and bloc is not None and len(bloc_names) > 0:
        blocs = bloc_support(
            matrix,
            np.asarray(bloc),
            bloc_names,
            participant_weight=weight,
            level=settings.level,
            min_bloc_votes=1.0,
        )

    n_s = matrix.n_statements
    excluded = matrix.rejected | matrix.meta
    bar = settings.support_bar
    group_lens = groups.lower.min(axis=0, initial=np.inf) >= bar if n_lens_groups else np.zeros(n_s, bool)
    bridging_lens = bridging.status == "bridging"
    bloc_lens = blocs.lower.min(axis=0) >= bar if blocs is not None else np.zeros(n_s, bool)

    thin = matrix.seen_per_statement < settings.min_votes
    if use_bridging:
        thin |= bridging.status == "needs_more_votes"
    if n_lens_groups:
        thin |= groups.trials.min(axis=0) < settings.min_group_votes
    if blocs is not None:
        thin |= blocs.trials.min(axis=0) < settings.min_group_votes

    lenses_judged = [groups] + ([blocs] if blocs is not None else [])
    clearly_for = np.zeros(n_s, bool)
    clearly_against = np.zeros(n_s, bool)
    all_against: NDArray[np.bool_] = np.zeros(n_s, bool)
    for support in lenses_judged:
        clearly_for |= (support.lower >= bar).any(axis=0)
        clearly_against |= (support.upper < bar).any(axis=0)
    if n_lens_groups:
        all_against = np.asarray((groups.upper < bar).all(axis=0))

    available = ([group_lens] if use_groups else []) + ([bridging_lens] if use_bridging else [])
    if not available and blocs is None:
        raise ValueError("the blocs lens alone needs declared blocs (a roster with leanings or sectors)")
    lenses = np.vstack(
        ([group_lens] if use_groups else [])
        + ([bridging_lens] if use_bridging else [])
        + ([bloc_lens] if blocs is not None else [])
    )
    too_few = matrix.seen_per_statement < settings.min_votes
    if sides is not None:
        called = calibrated_call(
            sides.probability, ~(too_few | excluded | clearly_against), settings.max_false_share
        )
    else:
        called = lenses.all(axis=0) & ~thin
    verdict = np.full(n_s, "no_consensus", dtype="<U16")
    verdict[lenses.any(axis=0)] = "partial"
    verdict[((bridging.status == "divisive") & use_bridging) | (clearly_for & clearly_against)] = "divided"
    verdict[((bridging.status == "rejected") & use_bridging) | all_against] = "rejected"
    verdict[thin] = "needs_more_votes"
    verdict[called] = "convergence"
    verdict[too_few] = "needs_more_votes"
    verdict[excluded] = "excluded"

    reasons = tuple(
        _reason(
            i,
            verdict[i],
            group_lens[i] if use_groups else None,
            bridging_lens[i] if use_bridging else None,
            bloc_lens[i] if blocs is not None else None,
            bridging,
        )
        for i in range(n_s)
    )
    return ConvergenceResult(
        statement_ids=matrix.statement_ids,
        settings=settings,
        groups=groups,
        gic=gic,
        gic_lower=gic_lower,
        gic_upper=gic_upper,
        bridging=bridging,
        blocs=blocs,
        coordination=coordination,
        verdict=verdict,
        group_lens=group_lens,
        bridging_lens=bridging_lens,
        bloc_lens=bloc_lens,
        reasons=reasons,
        unjudged_groups=unjudged,
        support=sides,
        participant_side=side,
        routing=routing,
    )


def _side_support(
    matrix: VoteMatrix,
    model: BridgingModel,
    weight: NDArray[np.float64] | None,
    settings: ConvergenceSettings,
) -> tuple[SidePosterior, NDArray[np.int64], VerdictRouting]:
    """Sides from the fitted participant factors, per-side counts (a collapsed bloc counts once), posterior,
    and what routing by the verdict needs."""
    usable = ~(matrix.rejected | matrix.meta)
    voted = matrix.seen_per_participant > 0
    fit = model.fit_
    cut = factor_cut(fit.participant_factor[:, 0], voted)
    side = np.full(matrix.n_participants, -1, dtype=np.int64)
    if np.isfinite(cut):
        side[voted] = (fit.participant_factor[voted, 0] > cut).astype(np.int64)
    participant_weight = np.ones(matrix.n_participants) if weight is None else np.asarray(weight, float)
    rows = matrix.row_of_vote
    agree, trials = side_counts(
        rows,
        matrix.votes.indices.astype(np.int64),
        matrix.votes.data,
        participant_weight[rows],
        side,
        matrix.n_statements,
        settings.pass_mode,
    )
    support = side_posterior(
        agree,
        trials,
        threshold=settings.side_threshold,
        level=settings.level,
        fit=usable & (trials.sum(axis=0) > 0),
    )
    value = support.vote_value()
    if np.any(matrix.meta & ~matrix.rejected):  # about the dialogue itself: shown at a typical priority
        value[:, matrix.meta] = np.median(value[:, usable]) if usable.any() else 1.0
    value[:, matrix.rejected] = 0.0
    known = side[side >= 0]
    share = np.bincount(known, minlength=2) / max(len(known), 1) if len(known) else np.full(2, 0.5)
    unfitted = matrix.rejected | matrix.meta | (matrix.seen_per_statement == 0)
    ratings = float(np.sum(participant_weight[rows]))
    routing = VerdictRouting(
        statement_ids=matrix.statement_ids,
        value=value,
        side_share=np.asarray(share, dtype=np.float64),
        intercept=np.where(unfitted, np.nan, fit.statement_intercept),
        factor=np.where(unfitted, np.nan, fit.statement_factor[:, 0]),
        base=float(fit.global_intercept + np.mean(fit.participant_intercept[voted])),
        cut=cut,
        ridge=float(model.lambda_factor * ratings / max(int(voted.sum()), 1)),
    )
    return support, side, routing


def _reason(
    i: int,
    verdict: str,
    group: bool | None,
    bridging_ok: bool | None,
    bloc: bool | None,
    bridging: BridgingTable,
) -> str:
    """One line a facilitator can read: which lenses passed (of those used), and the bridging model's view."""
    if verdict == "excluded":
        return "moderated out or meta"
    if verdict == "needs_more_votes":
        if bridging_ok is None:
            return "too few votes to judge"
        return f"too few votes to judge ({bridging.n_votes[i]:.0f} in the bridging fit)"
    marks = [
        f"{name} {'✓' if passed else '✗'}"
        for name, passed in (("groups", group), ("bridging", bridging_ok), ("blocs", bloc))
        if passed is not None
    ]
    if bridging_ok is None:
        return ", ".join(marks)
    low, high = shown_support(float(bridging.support_low[i])), shown_support(float(bridging.support_high[i]))
    sides = f"predicted support {low} / {high} on either side"  # on the 0…1 scale: analysis/figures.py
    return f"{', '.join(marks)}; {sides}"
