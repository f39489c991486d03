"""Which statement a participant sees next.

`choose_next` draws among the accepted statements the participant has not voted on, with probability
proportional to a priority. The priority comes from the analysis engine when a current analysis exists (the
Pol.is routing priority, docs/architecture.md §3.1); without one — a new dialogue, or before the first analysis — every
unseen statement gets the Pol.is new-statement boost alone, 1 + 8·2^(−S/5) squared, S being how many people
have seen it, so fresh statements reach voters quickly.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence


def fallback_priority(seen_by: int) -> float:
    boost: float = 1.0 + 8.0 * 2.0 ** (-seen_by / 5.0)
    return boost * boost


def choose_next(
    candidates: Sequence[int],
    seen_by: Mapping[int, int],
    rng: random.Random,
    priority: Mapping[int, float] | None = None,
) -> int | None:
    """One of `candidates` (statement ids), drawn with probability ∝ priority; None when there is none left.

    `priority` maps statement id to the analysis' routing priority; statements it does not cover (submitted
    after the last analysis) get the fallback priority, which is at least as high as any new statement's.
    """
    if not candidates:
        return None
    weights = []
    for sid in candidates:
        if priority is not None and sid in priority:
            weights.append(max(float(priority[sid]), 0.0))
        else:
            weights.append(fallback_priority(seen_by.get(sid, 0)))
    total = sum(weights)
    if total <= 0.0:
        return rng.choice(list(candidates))
    return rng.choices(list(candidates), weights=weights, k=1)[0]
