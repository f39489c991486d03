"""Planted coordinated blocs on a simulated dialogue: the attacks the coordination defence is measured against.

Why a generator of its own: a detector tested on easy copies (identical votes, one arrival burst) looks perfect
and is evaded by any noise. These blocs behave as an organised campaign would: members follow a script (the
*template*) that looks like one side of the table on most statements and pushes a few (agreeing with the other
side's proposals to manufacture a bridge, disagreeing with a shared proposal to erase one); each member skips
and flips some scripted votes and adds honest-looking *cover* votes; a campaign may split into sub-blocs with
templates of their own, or let members join one by one over the whole dialogue.

Honest participants come from `simulate_dialogue`, with uneven statement popularity (a few statements collect
most votes, as routing and early arrival cause in Pol.is) and realistic arrival times (a launch burst: many
start within the same ten minutes, the rest over days). Pure numpy, seeded: same arguments, same votes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from workingup.simulation import SimulatedDialogue, simulate_dialogue

__all__ = ["STRATEGIES", "PlantedConversation", "plant_conversation"]

STRATEGIES = ("identical", "noisy", "sub_blocs", "slow_drip")
"""identical: exact copies of one template; noisy: copies with skips, flips and cover votes; sub_blocs: four
noisy sub-blocs, each with its own template; slow_drip: noisy copies joining one by one over the whole dialogue."""

DAY = 86400.0


@dataclass(frozen=True)
class PlantedConversation:
    """Final votes (one per participant and statement) with the time each was cast, and the planted truth."""

    participant: NDArray[np.int64]
    statement: NDArray[np.int64]
    value: NDArray[np.int8]
    time: NDArray[np.float64]
    """Seconds since the dialogue opened."""
    n_participants: int
    n_statements: int
    bloc: NDArray[np.int64]
    """Sub-bloc of every participant: -1 honest, 0… for the members of each (sub-)bloc."""
    pushed: NDArray[np.int64]
    """Statements the campaign pushes (against its apparent side)."""
    honest: SimulatedDialogue
    """The honest dialogue the bloc was added to (its participants keep their ids 0…n_honest−1)."""
    strategy: str

    @property
    def n_votes(self) -> int:
        return len(self.value)

    @property
    def members(self) -> NDArray[np.bool_]:
        return self.bloc >= 0


def plant_conversation(
    n_honest: int,
    n_statements: int,
    *,
    strategy: str = "noisy",
    bloc_share: float = 0.2,
    votes_per_participant: tuple[int, int] = (15, 70),
    n_pushed: int = 8,
    flip_rate: float = 0.15,
    skip_rate: float = 0.10,
    n_cover: int = 20,
    n_sub_blocs: int = 4,
    duration_days: float = 14.0,
    seed: int = 0,
) -> PlantedConversation:
    """A two-camp dialogue of `n_honest` people plus a bloc that makes up `bloc_share` of all participants.

    The template is a typical member of camp 1 (its modal vote on every scripted statement) except on
    `n_pushed` statements: half divisive statements favoured by camp 0, which the bloc agrees with, and half
    bridging statements, which it disagrees with. Its script covers as many statements as a typical honest
    participant votes on. Bloc members' ids follow the honest ones.

    Examples
    --------
    >>> c = plant_conversation(400, 60, strategy="noisy", seed=1)
    >>> int(c.members.sum()), c.n_participants
    (100, 500)
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    if not 0.0 <= bloc_share < 1.0:
        raise ValueError("bloc_share must be at least 0 and below 1")
    rng = np.random.default_rng(seed)
    low, high = votes_per_participant
    # Uneven popularity: a statement's chance of being seen falls off with its rank (Zipf-like, exponent 0.8).
    zipf = 1.0 / np.arange(1, n_statements + 1) ** 0.8
    popularity: NDArray[np.float64] = np.asarray(rng.permutation(zipf / zipf.sum()), dtype=np.float64)
    counts = _lognormal_counts(n_honest, low, high, n_statements, rng)
    honest = simulate_dialogue(
        n_honest, n_statements, seen_counts=counts.tolist(), seed=seed, duration_s=duration_days * DAY
    )
    hp, hs, hv = honest.final_votes()
    hs = _reassign_by_popularity(hp, hs, popularity, rng)
    hv = _redraw(honest, hp, hs, rng)
    ht = _honest_times(hp, n_honest, duration_days, rng)

    n_bloc = round(bloc_share / (1.0 - bloc_share) * n_honest)
    n_subs = n_sub_blocs if strategy == "sub_blocs" else 1
    sub = np.sort(rng.integers(0, n_subs, n_bloc)) if n_subs > 1 else np.zeros(n_bloc, np.int64)
    divisive_for_0 = np.flatnonzero(
        (np.asarray(honest.statement_type) == "divisive") & (honest.favoured_group == 0)
    )
    bridging = honest.statements_of_type("bridging")
    half = n_pushed // 2
    pushed = np.r_[
        rng.choice(divisive_for_0, min(half, len(divisive_for_0)), replace=False),
        rng.choice(bridging, min(n_pushed - half, len(bridging)), replace=False),
    ].astype(np.int64)
    script_len = int(np.clip(np.median(counts), len(pushed) + 5, n_statements))
    noisy = strategy != "identical"

    bp, bs, bv = [], [], []
    for k in range(n_subs):
        persona = _camp_position(honest, 1, rng)
        others = np.setdiff1d(np.arange(n_statements), pushed)
        # Scripts favour popular statements, so a bloc hides among the honest votes.
        p_others = popularity[others] / popularity[others].sum()
        camouflage = rng.choice(others, script_len - len(pushed), replace=False, p=p_others)
        script = np.r_[pushed, camouflage]
        template = _modal_votes(honest, persona, script)
        template[: len(pushed)] = np.where(
            np.isin(pushed, divisive_for_0), 1, -1
        )  # agree with the other side's proposals, disagree with shared ones
        for member in np.flatnonzero(sub == k):
            s, v = script, template.copy()
            if noisy:
                keep = rng.random(len(s)) >= skip_rate
                s, v = s[keep], v[keep]
                flip = rng.random(len(v)) < flip_rate
                v[flip] = _other_value(v[flip], rng)
                rest = np.setdiff1d(np.arange(n_statements), s)
                cover = rng.choice(rest, min(n_cover, len(rest)), replace=False)
                cover_votes = _modal_votes(
                    honest, _camp_position(honest, int(rng.integers(0, 2)), rng), cover
                )
                s, v = np.r_[s, cover], np.r_[v, cover_votes]
            order = rng.permutation(len(s))
            bp.append(np.full(len(s), n_honest + member, np.int64))
            bs.append(s[order])
            bv.append(v[order])
    empty = [np.empty(0, np.int64)]
    p = np.concatenate(bp or empty)
    bs, bv = bs or empty, bv or [np.empty(0, np.int8)]
    bt = _bloc_times(p - n_honest, n_bloc, strategy, duration_days, rng)

    bloc = np.r_[np.full(n_honest, -1, np.int64), sub]
    return PlantedConversation(
        participant=np.r_[hp, p].astype(np.int64),
        statement=np.r_[hs, np.concatenate(bs)].astype(np.int64),
        value=np.r_[hv, np.concatenate(bv)].astype(np.int8),
        time=np.r_[ht, bt],
        n_participants=n_honest + n_bloc,
        n_statements=n_statements,
        bloc=bloc,
        pushed=pushed,
        honest=honest,
        strategy=strategy,
    )


def _lognormal_counts(
    n: int, low: int, high: int, n_statements: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Votes per participant: most vote a little, a few a lot (lognormal between `low` and `high`)."""
    mid = np.sqrt(low * high)
    counts = np.exp(rng.normal(np.log(mid), 0.5, n))
    return np.clip(np.round(counts), low, min(high, n_statements)).astype(np.int64)


def _reassign_by_popularity(
    p: NDArray[np.int64], s: NDArray[np.int64], popularity: NDArray[np.float64], rng: np.random.Generator
) -> NDArray[np.int64]:
    """Statements each participant saw, redrawn by popularity (same count, no repeats: Gumbel top-k)."""
    out = np.empty_like(s)
    boundaries = np.flatnonzero(np.r_[True, p[1:] != p[:-1], True])
    log_w = np.log(popularity)
    for start, stop in zip(boundaries[:-1].tolist(), boundaries[1:].tolist(), strict=True):
        keys = log_w + rng.gumbel(size=len(log_w))
        out[start:stop] = np.argpartition(-keys, stop - start - 1)[: stop - start]
    return out


def _redraw(
    sim: SimulatedDialogue, p: NDArray[np.int64], s: NDArray[np.int64], rng: np.random.Generator
) -> NDArray[np.int8]:
    """Votes from the planted model for the (participant, statement) pairs chosen by popularity."""
    x = sim.intercept[s] + np.einsum("ij,ij->i", sim.position[p], sim.loading[s])
    agree = rng.random(len(x)) < 1.0 / (1.0 + np.exp(-x))
    passes = rng.random(len(x)) < 0.12 * 2.0 / (1.0 + np.abs(x))
    return np.where(passes, 0, np.where(agree, 1, -1)).astype(np.int8)


def _camp_position(sim: SimulatedDialogue, camp: int, rng: np.random.Generator) -> NDArray[np.float64]:
    members = np.flatnonzero(sim.group == camp)
    return np.asarray(sim.position[rng.choice(members)], dtype=np.float64)


def _modal_votes(
    sim: SimulatedDialogue, position: NDArray[np.float64], statements: NDArray[np.int64]
) -> NDArray[np.int8]:
    x = sim.intercept[statements] + sim.loading[statements] @ position
    return np.where(np.abs(x) < 0.25, 0, np.sign(x)).astype(np.int8)


def _other_value(values: NDArray[np.int8], rng: np.random.Generator) -> NDArray[np.int8]:
    """A flipped vote: agree and disagree swap; a pass becomes agree or disagree at random."""
    flipped = -values
    passes = values == 0
    flipped[passes] = rng.choice(np.array([-1, 1], np.int8), int(passes.sum()))
    return flipped.astype(np.int8)


def _honest_times(
    p: NDArray[np.int64], n: int, duration_days: float, rng: np.random.Generator
) -> NDArray[np.float64]:
    """A launch burst (30% start within the first ten minutes, as after an announcement), the rest over days."""
    burst = rng.random(n) < 0.3
    arrival = np.where(burst, rng.uniform(0, 600, n), rng.exponential(duration_days * DAY / 4, n))
    arrival = np.minimum(arrival, duration_days * DAY * 0.95)
    return _vote_times(p, arrival, rng, gap_s=8.0)


def _bloc_times(
    member: NDArray[np.int64], n_bloc: int, strategy: str, duration_days: float, rng: np.random.Generator
) -> NDArray[np.float64]:
    """A campaign arrives within two hours on day 3; a slow drip arrives uniformly over the whole dialogue."""
    if strategy == "slow_drip":
        arrival = rng.uniform(0, duration_days * DAY * 0.95, n_bloc)
    else:
        arrival = 3 * DAY + rng.uniform(0, 7200, n_bloc)
    return _vote_times(member, arrival, rng, gap_s=4.0)


def _vote_times(
    who: NDArray[np.int64], arrival: NDArray[np.float64], rng: np.random.Generator, gap_s: float
) -> NDArray[np.float64]:
    """Each participant's votes, in their given order, a few seconds apart from their arrival."""
    if len(who) == 0:
        return np.empty(0, dtype=np.float64)
    gaps = rng.exponential(gap_s, len(who)) + 1.0
    starts = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])
    cumulative = np.cumsum(gaps)
    base = np.repeat(cumulative[starts] - gaps[starts], np.diff(np.r_[starts, len(who)]))
    return arrival[who] + cumulative - base
