"""Planted data for the verdict benchmarks: the dialogue issue 16 describes, at any size.

Two camps, 55/45; statements 25% bridging, 45% divisive, 30% mixed (10% rejected by both camps, 20% with no
signal) — `simulate_dialogue`'s planted statement model and its default type mix. What differs from
`simulate_dialogue` is who sees what: votes per statement are lognormal (a statement's popularity is
exp(N(0, 1)), so a few collect hundreds of votes and many a dozen: the regime where small statements decide
recall), and votes per participant are lognormal between 15 and 70, as in `planted_blocs`. A participant sees
each statement at most once.

Truth: a statement *bridges* when it was planted as bridging (both camps agree with probability ≥ 0.82 among
agree/disagree votes); no other planted type has both camps above 0.62, so "supported on both sides" is the
same set for any threshold between those.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from workingup.analysis.matrix import VoteMatrix
from workingup.simulation import SimulatedDialogue, simulate_dialogue

__all__ = ["Planted", "plant", "planted_votes"]


@dataclass(frozen=True)
class Planted:
    """One final vote per (participant, statement), and the planted truth behind them."""

    participant: NDArray[np.int64]
    statement: NDArray[np.int64]
    value: NDArray[np.int8]
    truth: SimulatedDialogue
    """Positions, intercepts, loadings and statement types (its own votes are not used)."""

    @property
    def bridging(self) -> NDArray[np.bool_]:
        return np.asarray(self.truth.statement_type) == "bridging"

    def matrix(self) -> VoteMatrix:
        return VoteMatrix.from_arrays(
            self.participant,
            self.statement,
            self.value,
            participants=np.arange(self.truth.n_participants),
            statements=np.arange(self.truth.n_statements),
        )


def planted_votes(
    truth: SimulatedDialogue,
    participant: NDArray[np.int64],
    statement: NDArray[np.int64],
    rng: np.random.Generator,
) -> NDArray[np.int8]:
    """Votes from the planted model for given (participant, statement) pairs: agree with probability
    σ(intercept + position · loading), a pass with probability 0.12 · 2 / (1 + |that logit|) — lukewarm
    statements are passed on more (as `simulate_dialogue` draws them)."""
    x = truth.intercept[statement] + np.einsum(
        "ij,ij->i", truth.position[participant], truth.loading[statement]
    )
    agree = rng.random(len(x)) < 1.0 / (1.0 + np.exp(-x))
    passes = rng.random(len(x)) < 0.12 * 2.0 / (1.0 + np.abs(x))
    return np.where(passes, 0, np.where(agree, 1, -1)).astype(np.int8)


def plant(n_votes: int, *, votes_per_statement: float = 60.0, seed: int = 0) -> Planted:
    """About `n_votes` final votes on n_votes / `votes_per_statement` statements (mean votes per statement;
    the median is about 0.6 of it, lognormal σ = 1)."""
    rng = np.random.default_rng(seed)
    n_statements = max(20, round(n_votes / votes_per_statement))
    mid = np.sqrt(15 * 70)
    per_person = np.clip(np.round(np.exp(rng.normal(np.log(mid), 0.5, n_votes // 30 + 10))), 15, 70)
    per_person = np.minimum(per_person.astype(np.int64), n_statements)
    n_participants = int(np.searchsorted(np.cumsum(per_person), n_votes)) + 1
    per_person = per_person[:n_participants]
    truth = simulate_dialogue(
        n_participants,
        n_statements,
        group_weights=(0.55, 0.45),
        seen_counts=[1] * n_participants,
        seed=seed,
    )
    popularity = np.exp(rng.normal(0.0, 1.0, n_statements))
    # Each participant's statements: drawn ∝ popularity, over-drawn and de-duplicated (first k distinct), O(votes).
    slots = np.repeat(np.arange(n_participants), 2 * per_person)
    drawn = rng.choice(n_statements, size=len(slots), p=popularity / popularity.sum())
    order = np.lexsort((rng.random(len(slots)), slots))
    slots, drawn = slots[order], drawn[order]
    pair = slots * n_statements + drawn
    _, first = np.unique(pair, return_index=True)
    first = np.sort(first)
    slots, drawn = slots[first], drawn[first]
    rank = np.arange(len(slots)) - np.searchsorted(slots, slots)
    keep = rank < per_person[slots]
    p, s = slots[keep].astype(np.int64), drawn[keep].astype(np.int64)
    return Planted(p, s, planted_votes(truth, p, s, rng), truth)
