"""Seeded synthetic dialogues with planted ground truth, for the demo, the tests and the benchmarks.

Participants sit in planted opinion groups in a latent space; each statement has a planted intercept (how much
everyone likes it) and loading (how much it splits the groups). Votes follow a logistic model, with passes,
realistic sparsity and a few changed votes, so every analysis step can be scored against the truth that made
the data. Pure numpy: nothing here touches a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

STATEMENT_TYPES = ("bridging", "divisive", "rejected", "noise")
"""bridging: every group agrees; divisive: groups split; rejected: every group disagrees; noise: no signal."""


@dataclass(frozen=True, slots=True)
class SimulatedDialogue:
    """Vote events (in time order) plus the truth that generated them."""

    n_participants: int
    n_statements: int
    event_participant: NDArray[np.int64]
    event_statement: NDArray[np.int64]
    event_value: NDArray[np.int8]
    event_time: NDArray[np.float64]
    """Seconds since the dialogue opened; strictly increasing within a participant."""
    group: NDArray[np.int64]
    """Planted opinion group of every participant."""
    position: NDArray[np.float64]
    """Latent opinion of every participant, shape (n_participants, n_dims)."""
    intercept: NDArray[np.float64]
    loading: NDArray[np.float64]
    """Shape (n_statements, n_dims)."""
    statement_type: tuple[str, ...]
    favoured_group: NDArray[np.int64]
    """For divisive statements, the group that agrees; -1 otherwise."""
    group_agree_probability: NDArray[np.float64]
    """Expected share of agree among non-pass votes, shape (n_groups, n_statements): the planted support."""

    @property
    def n_events(self) -> int:
        return len(self.event_value)

    def final_votes(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int8]]:
        """(participant, statement, value) of the vote that counts per pair: the last event."""
        n = self.n_events
        order = np.lexsort((np.arange(n), self.event_statement, self.event_participant))
        p, s = self.event_participant[order], self.event_statement[order]
        last = np.ones(n, dtype=bool)
        last[:-1] = (p[1:] != p[:-1]) | (s[1:] != s[:-1])
        return p[last], s[last], self.event_value[order][last]

    def statements_of_type(self, kind: str) -> NDArray[np.int64]:
        return np.flatnonzero(np.asarray(self.statement_type) == kind)


def simulate_dialogue(
    n_participants: int,
    n_statements: int,
    *,
    n_groups: int = 2,
    group_weights: Sequence[float] | None = None,
    groups: Sequence[int] | None = None,
    statement_types: Sequence[str] | None = None,
    type_weights: Sequence[float] = (0.25, 0.45, 0.1, 0.2),
    favoured_group: Sequence[int] | None = None,
    votes_per_participant: tuple[int, int] = (10, 60),
    seen_counts: Sequence[int] | None = None,
    pass_rate: float = 0.12,
    revote_rate: float = 0.02,
    spread: float = 0.35,
    duration_s: float = 14 * 24 * 3600.0,
    seed: int = 0,
) -> SimulatedDialogue:
    """Generate a dialogue.

    Parameters
    ----------
    groups
        Planted group of every participant, when the caller needs to decide who is where (e.g. a table with
        seats for each side); otherwise groups are drawn with exact sizes from `group_weights`.
    statement_types
        One of STATEMENT_TYPES per statement; drawn with `type_weights` when omitted.
    favoured_group
        For divisive statements, which group agrees (ignored elsewhere); drawn at random when omitted.
    votes_per_participant
        (low, high) inclusive range from which each participant's number of statements seen is drawn.
    seen_counts
        One count per participant instead of the range (e.g. a table that votes on everything). Counts are
        capped at `n_statements`.

    Examples
    --------
    >>> sim = simulate_dialogue(50, 20, seed=1)
    >>> sim.group.shape, sim.intercept.shape
    ((50,), (20,))
    >>> set(np.unique(sim.event_value)) <= {-1, 0, 1}
    True
    """
    if n_participants < 1 or n_statements < 1:
        raise ValueError("a dialogue needs at least one participant and one statement")
    if n_groups < 1:
        raise ValueError("n_groups must be at least 1")
    rng = np.random.default_rng(seed)

    if groups is not None:
        group = np.asarray(groups, dtype=np.int64)
        if group.shape != (n_participants,) or np.any((group < 0) | (group >= n_groups)):
            raise ValueError(f"groups needs one group in 0..{n_groups - 1} per participant")
    else:
        weights = (
            np.full(n_groups, 1.0 / n_groups) if group_weights is None else np.asarray(group_weights, float)
        )
        if len(weights) != n_groups or np.any(weights < 0) or weights.sum() <= 0:
            raise ValueError("group_weights needs one non-negative weight per group")
        weights = weights / weights.sum()
        # Exact group sizes (largest remainder), then shuffled, so small dialogues still get every group.
        sizes = np.floor(weights * n_participants).astype(int)
        sizes[np.argsort(-(weights * n_participants - sizes))[: n_participants - sizes.sum()]] += 1
        group = rng.permutation(np.repeat(np.arange(n_groups), sizes)).astype(np.int64)

    # Group centres: unit-norm vertices of a centred simplex (two groups: ±1 on one axis).
    n_dims = max(1, n_groups - 1)
    centres = _simplex(n_groups, n_dims)
    position = centres[group] + rng.normal(0.0, spread, size=(n_participants, n_dims))

    if statement_types is None:
        probabilities = np.asarray(type_weights, float) / np.sum(type_weights)
        types = tuple(str(t) for t in rng.choice(STATEMENT_TYPES, size=n_statements, p=probabilities))
    else:
        types = tuple(statement_types)
        unknown = set(types) - set(STATEMENT_TYPES)
        if len(types) != n_statements or unknown:
            raise ValueError(f"statement_types needs {n_statements} entries from {STATEMENT_TYPES}")
    type_array = np.asarray(types)

    favoured = np.full(n_statements, -1, dtype=np.int64)
    divisive = type_array == "divisive"
    if favoured_group is None:
        favoured[divisive] = rng.integers(0, n_groups, size=int(divisive.sum()))
    else:
        given = np.asarray(favoured_group, dtype=np.int64)
        if len(given) != n_statements:
            raise ValueError("favoured_group needs one entry per statement")
        if np.any((given[divisive] < 0) | (given[divisive] >= n_groups)):
            raise ValueError("every divisive statement needs a favoured group in range")
        favoured[divisive] = given[divisive]

    intercept = np.empty(n_statements)
    loading = np.zeros((n_statements, n_dims))
    n = {t: int((type_array == t).sum()) for t in STATEMENT_TYPES}
    intercept[type_array == "bridging"] = rng.uniform(1.5, 3.0, n["bridging"])
    intercept[type_array == "rejected"] = rng.uniform(-3.0, -1.5, n["rejected"])
    intercept[divisive] = rng.uniform(-0.3, 0.3, n["divisive"])
    intercept[type_array == "noise"] = rng.uniform(-0.5, 0.5, n["noise"])
    strength = rng.uniform(2.5, 4.0, n["divisive"])
    # Point each divisive statement from the centre of the table towards its favoured group.
    loading[divisive] = centres[favoured[divisive]] * strength[:, None]
    loading[type_array == "noise"] = rng.normal(0.0, 0.3, (n["noise"], n_dims))

    counts = _vote_counts(votes_per_participant, seen_counts, n_participants, n_statements, rng)
    participant = np.repeat(np.arange(n_participants, dtype=np.int64), counts)
    statement = np.concatenate(
        [rng.choice(n_statements, size=k, replace=False) for k in counts.tolist()]
    ).astype(np.int64)
    value = _draw_votes(position[participant], intercept[statement], loading[statement], pass_rate, rng)

    # Arrival over the dialogue's duration, then one vote every few seconds.
    arrival = rng.uniform(0.0, duration_s * 0.9, n_participants)
    gaps = rng.exponential(8.0, len(participant)) + 1.0
    offsets = np.cumsum(gaps)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    start_of_own = np.repeat(offsets[first] - gaps[first], counts)
    time = arrival[participant] + (offsets - start_of_own)

    # A few people change their minds: an earlier, different vote on the same statement.
    revote = np.flatnonzero(rng.random(len(participant)) < revote_rate)
    earlier_value = ((value[revote].astype(np.int64) + rng.integers(1, 3, len(revote)) + 1) % 3 - 1).astype(
        np.int8
    )
    earlier_time = time[revote] - rng.uniform(0.1, 0.9, len(revote)) * np.minimum(gaps[revote], 5.0)

    all_p = np.r_[participant, participant[revote]]
    all_s = np.r_[statement, statement[revote]]
    all_v = np.r_[value, earlier_value].astype(np.int8)
    all_t = np.r_[time, earlier_time]
    order = np.argsort(all_t, kind="stable")

    support = _sigmoid(intercept[None, :] + centres @ loading.T)
    return SimulatedDialogue(
        n_participants=n_participants,
        n_statements=n_statements,
        event_participant=all_p[order],
        event_statement=all_s[order],
        event_value=all_v[order],
        event_time=all_t[order],
        group=group,
        position=position,
        intercept=intercept,
        loading=loading,
        statement_type=types,
        favoured_group=favoured,
        group_agree_probability=support,
    )


def _simplex(n_groups: int, n_dims: int) -> NDArray[np.float64]:
    if n_groups == 1:
        return np.zeros((1, n_dims))
    if n_groups == 2:
        centres = np.zeros((2, n_dims))
        centres[0, 0], centres[1, 0] = -1.0, 1.0
        return centres
    vertices = np.eye(n_groups) - 1.0 / n_groups  # centred simplex in n_groups dims, rank n_groups - 1
    basis = np.linalg.svd(vertices, full_matrices=False)[2][:n_dims]
    centres = vertices @ basis.T
    return np.asarray(centres / np.linalg.norm(centres, axis=1, keepdims=True))


def _vote_counts(
    spec: tuple[int, int],
    seen_counts: Sequence[int] | None,
    n_participants: int,
    n_statements: int,
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    if seen_counts is None:
        low, high = spec
        if low < 1 or high < low:
            raise ValueError("votes_per_participant must be a (low, high) range with 1 <= low <= high")
        counts = rng.integers(low, high + 1, size=n_participants)
    else:
        counts = np.asarray(seen_counts, dtype=np.int64)
        if counts.shape != (n_participants,) or np.any(counts < 1):
            raise ValueError("seen_counts needs a positive count per participant")
    return np.minimum(counts, n_statements).astype(np.int64)


def _sigmoid(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def _draw_votes(
    position: NDArray[np.float64],
    intercept: NDArray[np.float64],
    loading: NDArray[np.float64],
    pass_rate: float,
    rng: np.random.Generator,
) -> NDArray[np.int8]:
    agree = rng.random(len(intercept)) < _sigmoid(intercept + np.einsum("ij,ij->i", position, loading))
    # Lukewarm statements are passed on more often than ones people feel strongly about.
    strength = np.abs(intercept + np.einsum("ij,ij->i", position, loading))
    passes = rng.random(len(intercept)) < pass_rate * 2.0 / (1.0 + strength)
    return np.where(passes, 0, np.where(agree, 1, -1)).astype(np.int8)
