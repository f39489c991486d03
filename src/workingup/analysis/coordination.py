"""Coordinated voting: blocs of participants who vote (near-)identically, or arrive in a burst voting alike.

Why it matters: a bridging verdict says "people who usually disagree both support this"; a script that creates
fifty accounts voting like one side on everything, except for agreeing with the other side's pet proposal,
could manufacture exactly that. Real people who think alike still differ somewhere; scripted accounts do not.

Detection, linear in the number of votes:
1. Candidates. Each participant's votes are a set of (statement, vote) tokens. MinHash signatures with
   locality-sensitive banding put participants whose sets overlap heavily in the same bucket; participants who
   first voted within the same `burst_window_s` (when arrival times are known) share a bucket too.
2. Verification, exact, within each bucket: two participants are *alike* when they share at least
   `min_shared` statements and voted identically on at least `min_agreement` of them (identical by default).
3. Blocs: connected components of "alike" with at least `min_bloc_size` members, kept only if dense (at least
   `min_density` of member pairs alike) so that chains of merely similar people do not merge into a bloc.

Mitigation (used by the bridging and bloc lenses): each member of a bloc is weighted 1/size — the bloc keeps
one voice. Not excluding: like-minded real people exist and should count once; not an arbitrary down-weight:
one voice is the natural unit, and it makes the verdict invariant to how many copies a script adds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from workingup.analysis.matrix import VoteMatrix

__all__ = ["CoordinatedBloc", "CoordinationReport", "detect_coordination"]

_PRIME = (1 << 61) - 1


@dataclass(frozen=True)
class CoordinatedBloc:
    participant_ids: tuple[Any, ...]
    mean_shared: float
    """Mean number of statements a pair of members both voted on."""
    agreement: float
    """Share of those shared statements on which a pair voted identically, averaged over member pairs."""
    density: float
    """Share of member pairs that are alike (1.0: every member matches every other)."""
    arrival_spread_s: float | None
    """Seconds between the first and last member's first vote, when times are known."""
    unanimous: tuple[tuple[Any, int], ...]
    """(statement id, vote) on which every member who voted on it voted the same; the bloc's "push"."""

    @property
    def size(self) -> int:
        return len(self.participant_ids)

    def to_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "participant_ids": list(self.participant_ids),
            "mean_shared": self.mean_shared,
            "agreement": self.agreement,
            "density": self.density,
            "arrival_spread_s": self.arrival_spread_s,
            "unanimous": [[s, v] for s, v in self.unanimous],
        }


@dataclass(frozen=True)
class CoordinationReport:
    blocs: tuple[CoordinatedBloc, ...]
    participant_weight: NDArray[np.float64] = field(repr=False)
    """1 for everyone, 1/size for each member of a bloc: the weights that give every bloc one voice."""
    settings: dict[str, float] = field(default_factory=dict)

    @property
    def n_flagged(self) -> int:
        return sum(b.size for b in self.blocs)

    def to_dict(self) -> dict[str, Any]:
        return {"settings": self.settings, "blocs": [b.to_dict() for b in self.blocs]}


def detect_coordination(
    matrix: VoteMatrix,
    *,
    first_vote_time: NDArray[np.float64] | None = None,
    min_shared: int = 12,
    min_agreement: float = 1.0,
    min_bloc_size: int = 5,
    min_density: float = 0.8,
    burst_window_s: float = 600.0,
    n_hashes: int = 40,
    band_size: int = 5,
    max_bucket: int = 2000,
    random_state: int = 0,
) -> CoordinationReport:
    """Find blocs of alike voters; see the module docstring for the rule.

    Examples
    --------
    >>> from workingup.simulation import simulate_dialogue
    >>> sim = simulate_dialogue(300, 40, votes_per_participant=(20, 40), seed=0)
    >>> p, s, v = sim.final_votes()
    >>> bots = np.arange(300, 310)  # ten accounts voting identically on 30 statements
    >>> p = np.r_[p, np.repeat(bots, 30)]; s = np.r_[s, np.tile(np.arange(30), 10)]; v = np.r_[v, np.ones(300, np.int8)]
    >>> report = detect_coordination(VoteMatrix.from_arrays(p, s, v))
    >>> [b.size for b in report.blocs], float(report.participant_weight[300])
    ([10], 0.1)
    """
    n_p, n_s = matrix.shape
    settings = {
        "min_shared": float(min_shared),
        "min_agreement": float(min_agreement),
        "min_bloc_size": float(min_bloc_size),
        "min_density": float(min_density),
        "burst_window_s": float(burst_window_s),
    }
    weight = np.ones(n_p)
    seen_count = matrix.seen_per_participant
    eligible = np.flatnonzero(seen_count >= min_shared)
    if len(eligible) < min_bloc_size:
        return CoordinationReport((), weight, settings)

    rows = matrix.row_of_vote
    cols = matrix.votes.indices.astype(np.int64)
    token = cols * 3 + (matrix.votes.data.astype(np.int64) + 1)
    onehot = sp.csr_array((np.ones(len(token)), (rows, token)), shape=(n_p, 3 * n_s))
    seen = sp.csr_array((np.ones(len(token)), (rows, cols)), shape=(n_p, n_s))

    buckets = _minhash_buckets(matrix, token, eligible, n_hashes, band_size, random_state)
    if first_vote_time is not None:
        times = np.asarray(first_vote_time, dtype=np.float64)
        if times.shape != (n_p,):
            raise ValueError("first_vote_time needs one time per participant")
        known = eligible[np.isfinite(times[eligible])]
        # Two offsets of the window grid, so a burst straddling a boundary still shares a bucket.
        for offset in (0.0, 0.5):
            shifted = np.floor(times[known] / burst_window_s + offset).astype(np.int64)
            buckets.extend(_groups(known, shifted))

    pi, pj = _candidate_pairs(buckets, n_p, max_bucket)
    if len(pi) == 0:
        return CoordinationReport((), weight, settings)
    # Exact verification of every candidate pair at once: row-wise dot products of the gathered rows.
    identical = np.asarray(onehot[pi].multiply(onehot[pj]).sum(axis=1)).ravel()
    shared = np.asarray(seen[pi].multiply(seen[pj]).sum(axis=1)).ravel()
    alike = (shared >= min_shared) & (identical >= (min_agreement - 1e-12) * shared)
    pairs_i, pairs_j = [pi[alike]], [pj[alike]]
    pi = np.concatenate(pairs_i)
    pj = np.concatenate(pairs_j)
    graph = sp.coo_array((np.ones(len(pi)), (pi, pj)), shape=(n_p, n_p)).tocsr()
    graph = ((graph + graph.T) > 0).astype(np.float64)
    n_components, component = connected_components(graph, directed=False)
    sizes = np.bincount(component, minlength=n_components)

    blocs = []
    for c in np.flatnonzero(sizes >= min_bloc_size):
        members = np.flatnonzero(component == c)
        sub = graph[members][:, members]
        n = len(members)
        density = float(sub.sum() / (n * (n - 1)))
        if density < min_density:
            continue
        identical = (onehot[members] @ onehot[members].T).toarray()
        shared = (seen[members] @ seen[members].T).toarray()
        upper = np.triu_indices(n, k=1)
        pair_shared = shared[upper]
        pair_agreement = np.where(pair_shared > 0, identical[upper] / np.maximum(pair_shared, 1), 0.0)
        spread = None
        if first_vote_time is not None:
            member_times = np.asarray(first_vote_time, dtype=np.float64)[members]
            finite = member_times[np.isfinite(member_times)]
            spread = float(finite.max() - finite.min()) if len(finite) else None
        blocs.append(
            CoordinatedBloc(
                participant_ids=tuple(matrix.participant_ids[members].tolist()),
                mean_shared=float(pair_shared.mean()),
                agreement=float(pair_agreement.mean()),
                density=density,
                arrival_spread_s=spread,
                unanimous=_unanimous(matrix, members),
            )
        )
        weight[members] = 1.0 / n
    blocs.sort(key=lambda b: (-b.size, str(b.participant_ids[0])))
    return CoordinationReport(tuple(blocs), weight, settings)


def _minhash_buckets(
    matrix: VoteMatrix,
    token: NDArray[np.int64],
    eligible: NDArray[np.int64],
    n_hashes: int,
    band_size: int,
    random_state: int,
) -> list[NDArray[np.int64]]:
    """Participants whose token sets collide in any band of their MinHash signature."""
    rng = np.random.default_rng(random_state)
    a = rng.integers(1, _PRIME, n_hashes, dtype=np.int64)
    b = rng.integers(0, _PRIME, n_hashes, dtype=np.int64)
    indptr = matrix.votes.indptr
    starts = indptr[eligible]
    # Rows of eligible participants are non-empty, so reduceat over their start offsets is exact when we
    # reduce over a compacted token array holding only their tokens.
    lengths = indptr[eligible + 1] - starts
    take = np.concatenate(
        [np.arange(s, s + n) for s, n in zip(starts.tolist(), lengths.tolist(), strict=True)]
    )
    compact = token[take].astype(np.uint64)
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    signature = np.empty((len(eligible), n_hashes), dtype=np.uint64)
    for h in range(n_hashes):
        hashed = (compact * np.uint64(a[h]) + np.uint64(b[h])) % np.uint64(_PRIME)
        signature[:, h] = np.minimum.reduceat(hashed, offsets)
    buckets: list[NDArray[np.int64]] = []
    for start in range(0, n_hashes - band_size + 1, band_size):
        band = np.ascontiguousarray(signature[:, start : start + band_size]).view(
            np.dtype((np.void, 8 * band_size))
        )[:, 0]
        _, key = np.unique(band, return_inverse=True)
        buckets.extend(_groups(eligible, key))
    return buckets


def _candidate_pairs(
    buckets: list[NDArray[np.int64]], n_p: int, max_bucket: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Every pair sharing a bucket, once. A bucket over `max_bucket` keeps its first members only."""
    left: list[NDArray[np.int64]] = []
    right: list[NDArray[np.int64]] = []
    for members in buckets:
        members = np.sort(members[:max_bucket])
        i, j = np.triu_indices(len(members), k=1)
        left.append(members[i])
        right.append(members[j])
    if not left:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    key = np.unique(np.concatenate(left) * n_p + np.concatenate(right))
    return key // n_p, key % n_p


def _groups(members: NDArray[np.int64], key: NDArray[np.int64]) -> list[NDArray[np.int64]]:
    """Members sharing a key, for every key held by two or more."""
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    boundaries = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1], True])
    out = []
    for start, stop in zip(boundaries[:-1].tolist(), boundaries[1:].tolist(), strict=True):
        if stop - start >= 2:
            out.append(members[order[start:stop]])
    return out


def _unanimous(matrix: VoteMatrix, members: NDArray[np.int64]) -> tuple[tuple[Any, int], ...]:
    sub = matrix.votes[members]
    rows = np.repeat(np.arange(len(members)), np.diff(sub.indptr))
    cols = sub.indices.astype(np.int64)
    values = sub.data.astype(np.int64)
    n_s = matrix.n_statements
    count = np.bincount(cols, minlength=n_s)
    total = np.bincount(cols, weights=values, minlength=n_s)
    squares = np.bincount(cols, weights=values**2, minlength=n_s)
    # Unanimous: every member who voted on it voted the same (variance zero), and at least half voted.
    unanimous = (count >= max(2, len(members) // 2)) & (count * squares == total**2)
    del rows
    out = []
    for c in np.flatnonzero(unanimous).tolist():
        value = round(total[c] / count[c])
        out.append((matrix.statement_ids[c].item(), value))
    return tuple(out)
