"""The bridging lens: which statements people who usually disagree both support (Community Notes' model).

Votes become ratings as Community Notes' helpful / somewhat / not helpful become 1 / 0.5 / 0: agree = 1,
pass = 0.5, disagree = 0. A pass is "not sure": it is information, and counting it at the midpoint keeps a
statement most people pass on from being called bridging on the strength of the few who voted. (Leaving passes
out is available as `pass_rating=None`; on planted data both rank bridging statements first — see
tests/analysis/test_bridging.py — so the default follows Community Notes' treatment of a middle answer.)

The fit (analysis/factorization.py) gives each statement Community Notes' two figures: an *intercept* (support
once the main axis of disagreement is accounted for) and a *factor* (where on that axis support comes from). Both
are reported. The status, though, is read from what the model predicts on either side of the divide, because
the intercept alone is not on an absolute scale: with the loss's mean penalties a common offset is shared between
μ, the participant intercepts, the statement intercepts and even the factor product, so the same statement gets
a lower intercept in a dialogue where most statements are agreed. The *side supports* are the ratings predicted
for a participant of average disposition at the 10th and 90th percentile of the participants' factor:

    support_low/high = μ + mean(i_u) + i_s + f_s · q10/q90(f_u)

and they do not move when the offset moves. On the 0–1 rating scale (0.5 = pass):

- **bridging**: both side supports ≥ 0.65 (on balance, both sides agree) — Community Notes' "intercept ≥ 0.40
  and |factor| < 0.5" put on an absolute scale (on planted data the two rules agree wherever the intercept rule
  is well defined);
- **divisive**: the side supports differ by ≥ 0.5 (half the scale: one side agrees where the other disagrees);
- **rejected**: both side supports ≤ 0.35;
- **needs more votes**: fewer than `min_votes` votes, or fewer than `min_side_votes` from either half of the
  axis (participants below and above the median factor) — never called bridging, whatever the figures;
- **no consensus**: everything else.

Rejected (moderated-out) and meta statements are left out of the fit and get status "excluded".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator

from workingup.analysis.factorization import FactorizationFit, fit_factorization
from workingup.analysis.matrix import VoteMatrix

__all__ = ["STATUSES", "BridgingModel", "BridgingTable"]

STATUSES = ("bridging", "divisive", "rejected", "no_consensus", "needs_more_votes", "excluded")
Z_90 = 1.6448536269514722


@dataclass(frozen=True, eq=False)
class BridgingTable:
    """Per statement (in the matrix's statement order): the fitted figures and the status they earn."""

    statement_ids: NDArray[Any]
    intercept: NDArray[np.float64]
    intercept_se: NDArray[np.float64]
    factor: NDArray[np.float64]
    """First factor dimension, oriented by the model's sign convention."""
    support_low: NDArray[np.float64]
    """Predicted rating at the low end (10th percentile) of the participants' factor."""
    support_high: NDArray[np.float64]
    support_low_se: NDArray[np.float64]
    support_high_se: NDArray[np.float64]
    n_votes: NDArray[np.float64]
    """Votes in the fit (weighted: a collapsed bloc counts once)."""
    n_low_side: NDArray[np.float64]
    n_high_side: NDArray[np.float64]
    status: NDArray[np.str_]

    @classmethod
    def unfitted(cls, matrix: VoteMatrix) -> BridgingTable:
        """The table of a dialogue with nothing to fit yet: no figures, every statement needs votes."""
        n = matrix.n_statements
        nan = np.full(n, np.nan)
        zero = np.zeros(n)
        status = np.where(matrix.rejected | matrix.meta, "excluded", "needs_more_votes").astype("<U16")
        return cls(matrix.statement_ids, nan, nan, nan, nan, nan, nan, nan, zero, zero, zero, status)

    def interval(self, which: str, z: float = Z_90) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Approximate (lower, upper) of "intercept", "support_low" or "support_high"."""
        value = getattr(self, which)
        se = getattr(self, f"{which}_se")
        return value - z * se, value + z * se

    def to_dict(self) -> dict[str, Any]:
        return {
            name: getattr(self, name).tolist()
            for name in (
                "statement_ids",
                "intercept",
                "intercept_se",
                "factor",
                "support_low",
                "support_high",
                "support_low_se",
                "support_high_se",
                "n_votes",
                "n_low_side",
                "n_high_side",
                "status",
            )
        }


class BridgingModel(BaseEstimator):  # type: ignore[misc]  # sklearn is untyped
    """Community Notes' bridging model fitted by alternating ridge solves.

    Parameters
    ----------
    n_factors : int, default=1
    lambda_intercept : float, default=0.15
        Penalty on the mean squared intercept (5× the factor penalty, as in Community Notes).
    lambda_factor : float, default=0.03
    pass_rating : float or None, default=0.5
        Rating a pass becomes; None leaves passes out of the fit.
    min_side_support : float, default=0.65
    divisive_gap : float, default=0.5
    rejected_support : float, default=0.35
    side_quantile : float, default=0.1
        Where "either side of the divide" is read on the participants' factor (0.1: 10th and 90th percentile).
    min_votes : int, default=10
    min_side_votes : int, default=3
    tol : float, default=1e-7
        Relative decrease of the loss per sweep below which the fit has converged.
    max_iter : int, default=500
    random_state : int, default=0

    Attributes
    ----------
    fit_ : FactorizationFit
    table_ : BridgingTable

    Examples
    --------
    >>> from workingup.simulation import simulate_dialogue
    >>> sim = simulate_dialogue(400, 30, votes_per_participant=(15, 30), seed=0)
    >>> model = BridgingModel().fit(VoteMatrix.from_simulation(sim))
    >>> bridging = model.table_.status == "bridging"
    >>> set(np.asarray(sim.statement_type)[bridging]) <= {"bridging"}
    True
    """

    def __init__(
        self,
        *,
        n_factors: int = 1,
        lambda_intercept: float = 0.15,
        lambda_factor: float = 0.03,
        pass_rating: float | None = 0.5,
        min_side_support: float = 0.65,
        divisive_gap: float = 0.5,
        rejected_support: float = 0.35,
        side_quantile: float = 0.1,
        min_votes: int = 10,
        min_side_votes: int = 3,
        tol: float = 1e-7,
        max_iter: int = 500,
        random_state: int = 0,
    ) -> None:
        self.n_factors = n_factors
        self.lambda_intercept = lambda_intercept
        self.lambda_factor = lambda_factor
        self.pass_rating = pass_rating
        self.min_side_support = min_side_support
        self.divisive_gap = divisive_gap
        self.rejected_support = rejected_support
        self.side_quantile = side_quantile
        self.min_votes = min_votes
        self.min_side_votes = min_side_votes
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(
        self,
        X: VoteMatrix,
        y: None = None,
        *,
        participant_weight: NDArray[np.float64] | None = None,
        orientation: NDArray[np.float64] | None = None,
    ) -> BridgingModel:
        """Fit on the current votes.

        `participant_weight` scales every rating of a participant (1/size for each member of a collapsed bloc);
        `orientation` fixes the factor's sign (e.g. declared leaning, −2…+2, NaN when undisclosed: positive
        factor = right-leaning side).
        """
        matrix = X
        rows, cols, ratings = self._ratings(matrix)
        weight = (
            np.ones(matrix.n_participants) if participant_weight is None else np.asarray(participant_weight)
        )
        if weight.shape != (matrix.n_participants,):
            raise ValueError("participant_weight needs one weight per participant")
        weights = weight[rows]
        keep = weights > 0
        rows, cols, ratings, weights = rows[keep], cols[keep], ratings[keep], weights[keep]
        if len(ratings) == 0:
            raise ValueError("no votes to fit the bridging model on")
        fit = fit_factorization(
            rows,
            cols,
            ratings,
            matrix.shape,
            weights=weights,
            n_factors=self.n_factors,
            lambda_intercept=self.lambda_intercept,
            lambda_factor=self.lambda_factor,
            tol=self.tol,
            max_iter=self.max_iter,
            random_state=self.random_state,
            orientation=None if orientation is None else np.nan_to_num(np.asarray(orientation, float)),
        )
        self.fit_: FactorizationFit = fit
        self.table_ = self._table(matrix, fit, rows, cols, weights, weight)
        return self

    def _ratings(
        self, matrix: VoteMatrix
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
        values = matrix.votes.data
        rows = matrix.row_of_vote
        cols = matrix.votes.indices.astype(np.int64)
        usable = ~(matrix.rejected | matrix.meta)[cols]
        if self.pass_rating is None:
            usable &= values != 0
        pass_rating = 0.5 if self.pass_rating is None else float(self.pass_rating)
        ratings = np.where(values == 1, 1.0, np.where(values == -1, 0.0, pass_rating))
        return rows[usable], cols[usable], ratings[usable]

    def _table(
        self,
        matrix: VoteMatrix,
        fit: FactorizationFit,
        rows: NDArray[np.int64],
        cols: NDArray[np.int64],
        weights: NDArray[np.float64],
        participant_weight: NDArray[np.float64],
    ) -> BridgingTable:
        n_s = matrix.n_statements
        voted = np.zeros(matrix.n_participants, dtype=bool)
        voted[rows] = True
        factor_u = fit.participant_factor[:, 0]
        people = factor_u[voted]
        median = float(np.median(people))
        q_low, q_high = np.quantile(people, [self.side_quantile, 1.0 - self.side_quantile])
        base = fit.global_intercept + float(
            np.average(fit.participant_intercept[voted], weights=participant_weight[voted])
        )
        intercept = fit.statement_intercept
        factor = fit.statement_factor[:, 0]
        low = base + intercept + q_low * factor
        high = base + intercept + q_high * factor
        cov = fit.statement_cov

        def side_se(q: float) -> NDArray[np.float64]:
            return np.asarray(np.sqrt(cov[:, 0, 0] + 2 * q * cov[:, 0, 1] + q * q * cov[:, 1, 1]))

        below = factor_u[rows] < median
        n_votes = np.asarray(np.bincount(cols, weights=weights, minlength=n_s), dtype=np.float64)
        n_low = np.asarray(np.bincount(cols, weights=weights * below, minlength=n_s), dtype=np.float64)
        n_high = np.asarray(np.bincount(cols, weights=weights * ~below, minlength=n_s), dtype=np.float64)

        status = np.full(n_s, "no_consensus", dtype="<U16")
        status[np.abs(high - low) >= self.divisive_gap] = "divisive"
        status[np.maximum(low, high) <= self.rejected_support] = "rejected"
        status[np.minimum(low, high) >= self.min_side_support] = "bridging"
        thin = (n_votes < self.min_votes) | (np.minimum(n_low, n_high) < self.min_side_votes)
        status[thin] = "needs_more_votes"
        status[matrix.rejected | matrix.meta] = "excluded"
        return BridgingTable(
            statement_ids=matrix.statement_ids,
            intercept=intercept,
            intercept_se=fit.statement_intercept_se,
            factor=factor,
            support_low=low,
            support_high=high,
            support_low_se=side_se(float(q_low)),
            support_high_se=side_se(float(q_high)),
            n_votes=n_votes,
            n_low_side=n_low,
            n_high_side=n_high,
            status=status,
        )
