"""Coordinated voting: blocs of participants who follow one script, exactly or with noise.

Why it matters: a bridging verdict says "people who usually disagree both support this"; a script that creates
hundreds of accounts voting like one side on everything, except for agreeing with the other side's pet proposal,
could manufacture exactly that, and a bloc that disagrees with a shared proposal could erase it. Real people who
think alike still differ somewhere; scripted accounts follow one script, with whatever noise they add.

Detection:

1. **Candidates, bounded.** Every participant with at least `min_shared` votes gets a random-hyperplane
   signature of their (statement, vote) tokens (SimHash). Participants sharing a band of bits, or arriving within
   `burst_window_s` of each other when arrival times are known (a burst adds evidence, never unbounded pairs),
   are *candidates*; in each bucket a member is paired only with the next `window` members in a random order
   (analysis/coordination_candidates.py): at most `n × (n_bands + 2) × window` pairs, whatever the size of a
   bloc or a burst, and no member of a large bloc is left unexamined.
2. **Verification, exact, in chunks** of at most `chunk_entries` gathered votes: shared statements and identical
   votes of every candidate pair.
3. **Identical blocs.** Pairs identical on at least `exact_shared` shared statements; connected components peeled
   until every member is identical with at least `min_density` of their candidate pairs inside.
4. **Script blocs** (noisy copies, sub-blocs, members who join one by one; `scripts=False` looks for
   identical copies only). Pairs agreeing on `seed_agreement`
   form dense *cores* (peeled at `seed_density`); cores mix bloc members with like-minded honest people, which
   is fine: each core only proposes a script, its modal votes. Every participant is then scored against each
   script by a likelihood ratio, copy vs. an opinion model fitted without the cores, with a Bayes bar set by the
   estimated share of followers (analysis/coordination_script.py has the why). Scored twice: the second round
   re-estimates scripts and model from the followers found. A script bloc must follow its script on at least
   `min_fidelity` of its members' votes on it, and the model needs `min_background` participants outside the
   cores (in a conversation of a few dozen people no model of honest opinion can be told from a bloc; identical
   blocs are still found there).
5. **A bloc pushes something.** A bloc whose one-voice votes include fewer than `min_contrary` agrees or
   disagrees against the majority of everyone else is not reported: people who pass on everything, or agree
   with the majority on everything, look alike without being a campaign.

Every bloc is reported with its evidence (size, shared statements and agreement of the member pairs examined,
fidelity to its script, the median member's likelihood ratio, arrival spread, and the statements it pushes).

Bounds, with n participants, V votes, B = n_bands + 2, w = window, L the longest vote row, K = max_scripts:
time O(V·n_bands·bits + n·B·w·L + V·(sweeps + K)), memory O(V + n·n_bands·bits + n·B·w + chunk_entries).
Nothing grows with the square of n or of a bloc's size (tests/analysis/test_coordination.py checks the pair
bound and a memory budget).

A faction is not a campaign: a genuine group that the main divide does not explain also follows its modal votes
closely, but its difference from the opinion model is spread thin; a script departs hard on what it targets. So a
script bloc must depart from the model by 0.4 or more on at least `min_contrary` statements
(coordination_script.departures). On the real conversations of the benchmark this keeps austria-climate's
139-person minority group out (flagged as a "bloc" before the rule, depending on the hashing seed) and leaves
small groups with strong departures (6–30 people in four conversations, depending on the seed), each reported
with its evidence for a facilitator to judge (benchmarks/coordination/README.md).

Several sub-blocs that share their targets but not their camouflage are found first as one bloc following their
blend; it is then split by script (analysis/coordination_split.py) and each sub-script is scored on its own
(benchmark: recall 0.95–0.99 from 200k to 1M votes, where the blend alone found 0.81 at 760k). The split costs
O(max_fit × S × classes) per bloc for the class model (a fixed sample of at most 5,000 members) and O(V) per
sub-script scored.

Mitigation (used by the bridging and bloc lenses): each member of a bloc is weighted 1/size — the bloc keeps
one voice. Not excluding: like-minded real people exist and should count once; not an arbitrary down-weight:
one voice is the natural unit, and it makes the verdict invariant to how many copies a script adds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from workingup.analysis.coordination_candidates import bucket_pairs, signature_buckets, time_buckets
from workingup.analysis.coordination_script import (
    Followers,
    OpinionModel,
    departures,
    fit_opinion_model,
    follow_script,
    joint_posterior,
    script_of,
)
from workingup.analysis.coordination_split import split_scripts
from workingup.analysis.matrix import VoteMatrix

__all__ = ["CoordinatedBloc", "CoordinationReport", "detect_coordination"]

SPLIT_ROUNDS = 3
"""Rounds of splitting a bloc by script and scoring each sub-script (see `_script_blocs`)."""

FACTORS_BY_ROUND = (1, 1, 1, 1)
"""The opinion model's rank in each scoring round (four rounds: each refits the model without the followers found
so far and re-estimates the scripts from them). Rank 1 (the main divide) throughout: a second factor fitted on what
the first round left took the bloc's leftover members as its direction (sub-bloc recall 0.95 → 0.89 on the
benchmark) while it cleared fewer than half of the real conversations' flags."""


@dataclass(frozen=True)
class CoordinatedBloc:
    participant_ids: tuple[Any, ...]
    mean_shared: float
    """Mean number of statements a pair of members both voted on (over the member pairs examined)."""
    agreement: float
    """Share of those shared statements on which a pair voted identically, averaged over the pairs examined."""
    density: float
    """Share of the member pairs examined that voted identically on everything they shared."""
    arrival_spread_s: float | None
    """Seconds between the first and last member's first vote, when times are known."""
    unanimous: tuple[tuple[Any, int], ...]
    """(statement id, vote) that at least 80% of the members who voted on it (and at least half the bloc) cast:
    what the bloc pushes."""
    method: str = "identical"
    """How it was found: "identical" (members vote identically) or "script" (members follow one script)."""
    fidelity: float | None = None
    """For a script bloc: the share of its members' votes on the script's statements that follow the script."""
    script_votes: int | None = None
    """For a script bloc: the median number of script statements a member voted on."""
    log_likelihood_ratio: float | None = None
    """For a script bloc: the median member's log-likelihood ratio, copy vs. the opinion model."""

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
            "method": self.method,
            "fidelity": self.fidelity,
            "script_votes": self.script_votes,
            "log_likelihood_ratio": self.log_likelihood_ratio,
        }


@dataclass(frozen=True)
class CoordinationReport:
    blocs: tuple[CoordinatedBloc, ...]
    participant_weight: NDArray[np.float64] = field(repr=False)
    """1 for everyone, 1/size for each member of a bloc: the weights that give every bloc one voice."""
    settings: dict[str, float] = field(default_factory=dict)
    n_candidate_pairs: int = 0
    """Pairs examined (bounded by n × (n_bands + 2) × window)."""

    @property
    def n_flagged(self) -> int:
        return sum(b.size for b in self.blocs)

    def flagged(self) -> NDArray[np.bool_]:
        """Whether each participant belongs to a bloc."""
        return np.asarray(self.participant_weight < 1.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "settings": self.settings,
            "n_candidate_pairs": self.n_candidate_pairs,
            "blocs": [b.to_dict() for b in self.blocs],
        }


def detect_coordination(
    matrix: VoteMatrix,
    *,
    first_vote_time: NDArray[np.float64] | None = None,
    scripts: bool = True,
    min_shared: int = 12,
    exact_shared: int = 20,
    seed_agreement: float = 0.7,
    seed_density: float = 0.4,
    min_agreement: float = 0.6,
    min_fidelity: float = 0.8,
    min_posterior: float = 0.75,
    min_bloc_size: int = 5,
    min_density: float = 0.8,
    min_contrary: int = 2,
    min_background: int = 100,
    max_scripts: int = 32,
    max_passes: int = 4,
    burst_window_s: float = 600.0,
    n_bands: int = 16,
    bits: int = 10,
    window: int = 4,
    chunk_entries: int = 2_000_000,
    random_state: int = 0,
    progress: Callable[[str], None] | None = None,
) -> CoordinationReport:
    """Find coordinated blocs; see the module docstring for the rules and their bounds.

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
    step = progress or (lambda _name: None)
    n_p, n_s = matrix.shape
    settings = {
        "scripts": float(scripts),
        "min_shared": float(min_shared),
        "exact_shared": float(exact_shared),
        "seed_agreement": float(seed_agreement),
        "seed_density": float(seed_density),
        "min_agreement": float(min_agreement),
        "min_fidelity": float(min_fidelity),
        "min_posterior": float(min_posterior),
        "min_bloc_size": float(min_bloc_size),
        "min_density": float(min_density),
        "min_contrary": float(min_contrary),
        "min_background": float(min_background),
        "max_scripts": float(max_scripts),
        "max_passes": float(max_passes),
        "burst_window_s": float(burst_window_s),
        "n_bands": float(n_bands),
        "bits": float(bits),
        "window": float(window),
    }
    for name in ("seed_agreement", "seed_density", "min_agreement", "min_fidelity", "min_density"):
        if not 0.0 < settings[name] <= 1.0:
            raise ValueError(f"{name} must be in (0, 1], got {settings[name]}")
    if not 0.0 < min_posterior < 1.0:
        raise ValueError(f"min_posterior must be in (0, 1), got {min_posterior}")
    if min_shared < 1 or min_bloc_size < 2 or window < 1 or n_bands < 1 or not 1 <= bits <= 62:
        raise ValueError("min_shared ≥ 1, min_bloc_size ≥ 2, window ≥ 1, n_bands ≥ 1 and 1 ≤ bits ≤ 62")
    weight = np.ones(n_p)
    eligible = np.flatnonzero(matrix.seen_per_participant >= min_shared)
    if len(eligible) < min_bloc_size:
        return CoordinationReport((), weight, settings)

    rows = matrix.row_of_vote
    cols = matrix.votes.indices.astype(np.int64)
    token = cols * 3 + (matrix.votes.data.astype(np.int64) + 1)
    ones = np.ones(len(token), dtype=np.float32)
    onehot = sp.csr_array((ones, (rows, token)), shape=(n_p, 3 * n_s))
    seen = sp.csr_array((ones, (rows, cols)), shape=(n_p, n_s))

    step("signatures")
    keys = signature_buckets(onehot, eligible, n_bands=n_bands, bits=bits, random_state=random_state)
    if first_vote_time is not None:
        times = np.asarray(first_vote_time, dtype=np.float64)
        if times.shape != (n_p,):
            raise ValueError("first_vote_time needs one time per participant")
        keys = np.vstack([keys, time_buckets(times, eligible, burst_window_s)])
    pi, pj = bucket_pairs(keys, eligible, window=window, random_state=random_state)

    step("verification")
    longest = int(matrix.seen_per_participant.max())
    shared, identical = _verify(onehot, seen, pi, pj, max(1, chunk_entries // max(longest, 1)))
    seed = (shared >= min_shared) & (identical >= (seed_agreement - 1e-9) * shared)
    exact = (shared >= exact_shared) & (identical >= shared - 1e-9)

    step("blocs")
    found: list[tuple[NDArray[np.int64], Followers | None]] = []
    known = np.zeros(n_p, dtype=bool)
    # Each participant counts in the opinion model in inverse proportion to how many alike partners they have:
    # copies not yet found would otherwise bend the statements a script targets (where they can be most of
    # the voters), until what they push looks ordinary. Honest like-minded people have a few alike partners,
    # a bloc's members dozens.
    degree = np.bincount(pi[seed], minlength=n_p) + np.bincount(pj[seed], minlength=n_p)
    crowding = np.asarray(1.0 / (1.0 + degree), dtype=np.float64)
    for _ in range(max_passes if scripts else 0):
        # Each pass seeds cores among those not yet in a script bloc: a first script found some sub-blocs, and
        # without them the rest no longer hide in a core dominated by honest people.
        active = seed & ~known[pi] & ~known[pj]
        cores = sorted(_dense_cores(n_p, pi, pj, active, seed_density, min_bloc_size), key=len, reverse=True)
        cores = cores[:max_scripts]
        cored = known.copy()
        for core in cores:
            cored[core] = True
        if not cores or len(eligible) - int(cored[eligible].sum()) < min_background:
            break
        scripted = _script_blocs(
            matrix,
            cores,
            known,
            crowding,
            min_shared,
            min_agreement,
            min_posterior,
            min_bloc_size,
            min_contrary,
            min_fidelity,
        )
        scripted = [(members, f) for members, f in scripted if _fidelity(f, members) >= min_fidelity]
        if not scripted:
            break
        for members, _ in scripted:
            known[members] = True
        found.extend(scripted)
    taken = np.zeros(n_p, dtype=bool)
    blocs: list[CoordinatedBloc] = []
    candidates = found + [(c, None) for c in _dense_cores(n_p, pi, pj, exact, min_density, min_bloc_size)]
    for members, followers in candidates:
        members = members[~taken[members]]
        if len(members) < min_bloc_size:
            continue
        pushes = _pushes(matrix, members)
        # A script bloc has shown what it pushes already (departures from the opinion model). An identical bloc
        # must push against everyone else's majority, or it only passes or echoes everyone else: an honest
        # look-alike. (Not asked of script blocs: where a script targets few statements, its members not yet
        # found are most of their voters, and "everyone else's majority" is the campaign's own.)
        if followers is None and _contrary(matrix, members, pushes) < min_contrary:
            continue
        taken[members] = True
        blocs.append(_bloc(matrix, members, followers, pushes, pi, pj, shared, identical, first_vote_time))
        weight[members] = 1.0 / len(members)
    blocs.sort(key=lambda b: (-b.size, str(b.participant_ids[0])))
    return CoordinationReport(tuple(blocs), weight, settings, n_candidate_pairs=len(pi))


def _script_blocs(
    matrix: VoteMatrix,
    cores: list[NDArray[np.int64]],
    known: NDArray[np.bool_],
    crowding: NDArray[np.float64],
    min_shared: int,
    min_agreement: float,
    min_posterior: float,
    min_size: int,
    min_pushes: int,
    min_fidelity: float,
) -> list[tuple[NDArray[np.int64], Followers]]:
    """Followers of each core's script, against an opinion model fitted without the cores; then once more with
    the scripts and the model re-estimated from the followers found. Members of blocs found in earlier passes
    (`known`) stay out of the model and of the new blocs. A participant follows at most one script
    (the one with the highest likelihood ratio). A script bloc must depart from the model on at least `min_pushes`
    statements (coordination_script.departures: what sets a campaign apart from a faction) and follow it on at
    least `min_fidelity` of their votes; one that does is then split by sub-script where its members follow
    several (`_split_bloc`)."""
    n_p = matrix.n_participants
    sources = cores
    result: list[tuple[NDArray[np.int64], Followers]] = []
    suspect = np.zeros(n_p, dtype=bool)
    for n_factors in FACTORS_BY_ROUND:
        # The model of honest opinion leaves out everyone who leans towards a script, not only its members:
        # members of sub-blocs not yet found vote on a script's targets too, and where a script targets few
        # statements they are a large share of those statements' voters and bend them.
        exclude = known | suspect
        for members in sources:
            exclude[members] = True
        try:
            model = fit_opinion_model(matrix, exclude, weight=crowding, n_factors=n_factors)
        except ValueError:
            return result
        result, leaning = _score(
            matrix, sources, model, known, min_shared, min_agreement, min_posterior, min_size
        )
        suspect |= leaning
        if not result:
            return result
        sources = [members for members, _ in result]
    # The last round's model was fitted without the previous round's followers, i.e. without (nearly) these.
    final: list[tuple[NDArray[np.int64], Followers]] = []
    taken = known.copy()
    for members, followers in result:
        members = members[~taken[members]]
        targets = departures(matrix, model, members, script_of(matrix, members))
        if np.sum(targets) < min_pushes or _fidelity(followers, members) < min_fidelity:
            continue
        parts = _split_bloc(
            matrix, members, model, taken, min_shared, min_agreement, min_posterior, min_size
        ) or [(members, followers)]
        for part, part_followers in parts:
            part = part[~taken[part]]
            # A sub-bloc of a campaign pushes the campaign's targets: a class is kept only if it departs from
            # the model on at least `min_pushes` of the statements the whole bloc departs on. A faction that is
            # no campaign cannot become one by being split into small classes, whose means depart by chance.
            pushed = departures(matrix, model, part, script_of(matrix, part)) & targets
            if len(part) >= min_size and np.sum(pushed) >= min_pushes:
                final.append((part, part_followers))
                taken[part] = True
    return final


def _split_bloc(
    matrix: VoteMatrix,
    members: NDArray[np.int64],
    model: OpinionModel,
    known: NDArray[np.bool_],
    min_shared: int,
    min_agreement: float,
    min_posterior: float,
    min_size: int,
) -> list[tuple[NDArray[np.int64], Followers]] | None:
    """A bloc's followers by sub-script, or None when its members follow one script.

    Why: a campaign of several sub-scripts is found as one bloc following their blend, against which many of
    its members match too little, or vote on too few of its statements, to be scored. Split by script
    (analysis/coordination_split.py), each sub-script is scored on its own, against the same model (fitted
    without the blend's followers). The sub-scripts' followers may include members of a sub-bloc the blend
    missed altogether, so the split is made again on everyone found, until no one new is found (at most
    `SPLIT_ROUNDS`). Members are grouped by the latent class model, not by likelihood ratio: the shared targets
    carry the ratio and cannot tell sub-scripts apart; and each must follow their own class's script."""
    found = members
    result: list[tuple[NDArray[np.int64], Followers]] | None = None
    for _ in range(SPLIT_ROUNDS):
        classes = split_scripts(matrix, found, min_size=min_size)
        if len(classes.groups) == 1:
            break
        scored = _followers_of(matrix, classes.groups, model, min_shared, min_agreement, min_posterior)
        # One mixture over the sub-scripts decides who follows the campaign (coordination_script.joint_posterior:
        # the posterior of following any of them), the class model which sub-script; a follower must also match
        # that sub-script on `min_agreement` of their votes on it.
        posterior = joint_posterior(scored, min_shared=min_shared)
        now = np.flatnonzero((posterior.sum(axis=1) >= min_posterior) & ~known)
        label = classes.classify(matrix, now)
        agrees = np.stack([f.matched >= min_agreement * f.voted for f in scored], axis=1)
        own = agrees[now, label]
        result = [(now[(label == k) & own], scored[k]) for k in range(len(scored))]
        result = [(part, f) for part, f in result if len(part) >= min_size]
        kept = np.sort(np.concatenate([part for part, _ in result])) if result else now[:0]
        if np.array_equal(kept, found):
            break
        found = kept
    return result


def _followers_of(
    matrix: VoteMatrix,
    groups: list[NDArray[np.int64]],
    model: OpinionModel,
    min_shared: int,
    min_agreement: float,
    min_posterior: float,
) -> list[Followers]:
    """Everyone scored against each group's script (its modal votes), the group's own fidelity as the copy rate."""
    return [
        follow_script(
            matrix,
            script_of(matrix, group),
            model,
            group,
            min_shared=min_shared,
            min_agreement=min_agreement,
            min_posterior=min_posterior,
        )
        for group in groups
    ]


def _score(
    matrix: VoteMatrix,
    sources: list[NDArray[np.int64]],
    model: OpinionModel,
    known: NDArray[np.bool_],
    min_shared: int,
    min_agreement: float,
    min_posterior: float,
    min_size: int,
) -> tuple[list[tuple[NDArray[np.int64], Followers]], NDArray[np.bool_]]:
    """Followers of each source's script, each participant with the one script they follow best (the highest
    likelihood ratio), blocs under `min_size` dropped;
    and who leans towards any script (a positive likelihood ratio on enough of its statements)."""
    n_p = matrix.n_participants
    scored = _followers_of(matrix, sources, model, min_shared, min_agreement, min_posterior)
    best = np.full(n_p, -np.inf)
    owner = np.full(n_p, -1, dtype=np.int64)
    leaning = np.zeros(n_p, dtype=bool)
    for k, followers in enumerate(scored):
        leaning |= (followers.voted >= min_shared) & (followers.log_lr > 0)
        better = followers.members & ~known & (followers.log_lr > best)
        best[better] = followers.log_lr[better]
        owner[better] = k
    result = [(np.flatnonzero(owner == k), scored[k]) for k in range(len(scored))]
    return [(members, f) for members, f in result if len(members) >= min_size], leaning


def _fidelity(followers: Followers, members: NDArray[np.int64]) -> float:
    """Share of the members' votes on the script's statements that follow the script."""
    return float(np.sum(followers.matched[members]) / max(float(np.sum(followers.voted[members])), 1.0))


def _bloc(
    matrix: VoteMatrix,
    members: NDArray[np.int64],
    followers: Followers | None,
    pushes: tuple[tuple[Any, int], ...],
    pi: NDArray[np.int64],
    pj: NDArray[np.int64],
    shared: NDArray[np.float64],
    identical: NDArray[np.float64],
    first_vote_time: NDArray[np.float64] | None,
) -> CoordinatedBloc:
    """The evidence a facilitator needs to judge a bloc: from its member pairs examined and, for a script bloc,
    from the script."""
    member = np.zeros(matrix.n_participants, dtype=bool)
    member[members] = True
    inside = member[pi] & member[pj] & (shared > 0)
    agreement = identical[inside] / shared[inside]
    spread = None
    if first_vote_time is not None:
        member_times = np.asarray(first_vote_time, dtype=np.float64)[members]
        finite = member_times[np.isfinite(member_times)]
        spread = float(finite.max() - finite.min()) if len(finite) else None
    fidelity = script_size = log_lr = None
    if followers is not None:
        fidelity = _fidelity(followers, members)
        script_size = int(np.median(followers.voted[members]))
        log_lr = float(np.median(followers.log_lr[members]))
    return CoordinatedBloc(
        participant_ids=tuple(matrix.participant_ids[members].tolist()),
        mean_shared=float(shared[inside].mean()) if inside.any() else 0.0,
        agreement=float(agreement.mean()) if len(agreement) else 0.0,
        density=float(np.mean(agreement >= 1.0 - 1e-9)) if len(agreement) else 0.0,
        arrival_spread_s=spread,
        unanimous=pushes,
        method="identical" if followers is None else "script",
        fidelity=fidelity,
        script_votes=script_size,
        log_likelihood_ratio=log_lr,
    )


def _verify(
    onehot: sp.csr_array, seen: sp.csr_array, pi: NDArray[np.int64], pj: NDArray[np.int64], chunk: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Shared statements and identical votes of every candidate pair, `chunk` pairs at a time."""
    shared = np.zeros(len(pi))
    identical = np.zeros(len(pi))
    for start in range(0, len(pi), chunk):
        a, b = pi[start : start + chunk], pj[start : start + chunk]
        shared[start : start + chunk] = np.asarray(seen[a].multiply(seen[b]).sum(axis=1)).ravel()
        identical[start : start + chunk] = np.asarray(onehot[a].multiply(onehot[b]).sum(axis=1)).ravel()
    return shared, identical


def _dense_cores(
    n_p: int,
    pi: NDArray[np.int64],
    pj: NDArray[np.int64],
    alike: NDArray[np.bool_],
    min_density: float,
    min_size: int,
) -> list[NDArray[np.int64]]:
    """Components of the alike graph, peeled until every member is alike with at least `min_density` of their
    candidate pairs inside it. Each round is O(pairs); a round removes someone or ends the loop, and the
    candidate graph has bounded degree, so in practice a handful of rounds suffice (capped at 50)."""
    active = np.zeros(n_p, dtype=bool)
    active[pi[alike]] = True
    active[pj[alike]] = True
    component = np.full(n_p, -1, dtype=np.int64)
    for _ in range(50):
        keep = alike & active[pi] & active[pj]
        graph = sp.coo_array((np.ones(int(keep.sum())), (pi[keep], pj[keep])), shape=(n_p, n_p)).tocsr()
        _, labels = connected_components(graph, directed=False)
        component = np.where(active, labels, -1)
        sizes = np.bincount(component[active], minlength=int(labels.max(initial=0)) + 1)
        same = (component[pi] == component[pj]) & (component[pi] >= 0)
        candidates = np.bincount(pi[same], minlength=n_p) + np.bincount(pj[same], minlength=n_p)
        agreeing = np.bincount(pi[same & alike], minlength=n_p) + np.bincount(pj[same & alike], minlength=n_p)
        density = np.divide(agreeing, candidates, out=np.zeros(n_p), where=candidates > 0)
        drop = active & ((density < min_density) | (sizes[np.maximum(component, 0)] < min_size))
        if not drop.any():
            break
        active &= ~drop
    out = []
    for c in np.unique(component[active]):
        members = np.flatnonzero(component == c)
        if len(members) >= min_size:
            out.append(members)
    return out


def _contrary(matrix: VoteMatrix, members: NDArray[np.int64], pushes: tuple[tuple[Any, int], ...]) -> int:
    """How many of the bloc's one-voice agrees/disagrees go against the majority of everyone else."""
    if not pushes:
        return 0
    column = {s: i for i, s in enumerate(matrix.statement_ids.tolist())}
    cols = np.array([column[s] for s, _ in pushes], dtype=np.int64)
    values = np.array([v for _, v in pushes], dtype=np.int64)
    inside = np.zeros(matrix.n_participants, dtype=bool)
    inside[members] = True
    sub = matrix.votes[:, cols]
    rows = np.repeat(np.arange(matrix.n_participants), np.diff(sub.indptr))
    outside = ~inside[rows]
    balance = np.bincount(
        sub.indices[outside], weights=sub.data[outside].astype(np.float64), minlength=len(cols)
    )
    majority = np.sign(balance)
    return int(np.sum((values != 0) & (majority != 0) & (majority != values)))


def _pushes(matrix: VoteMatrix, members: NDArray[np.int64]) -> tuple[tuple[Any, int], ...]:
    """Statements on which the bloc speaks with (nearly) one voice: at least half its members voted on it and
    at least 80% of those cast the same vote."""
    sub = matrix.votes[members]
    cols = sub.indices.astype(np.int64)
    values = sub.data.astype(np.int64) + 1
    n_s = matrix.n_statements
    count = np.bincount(cols, minlength=n_s)
    by_value = np.stack([np.bincount(cols[values == k], minlength=n_s) for k in range(3)])
    top = by_value.argmax(axis=0)
    share = np.divide(by_value.max(axis=0), count, out=np.zeros(n_s), where=count > 0)
    pushed = (count >= max(2, len(members) // 2)) & (share >= 0.8)
    return tuple((matrix.statement_ids[c].item(), int(top[c]) - 1) for c in np.flatnonzero(pushed).tolist())
