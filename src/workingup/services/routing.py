"""Which statement a participant sees next.

`choose_next` draws among the accepted statements the participant has not voted on, with probability
proportional to a priority. With routing by the verdict (the default, `WORKINGUP_ROUTING=verdict`) the priority
is the participant's own (`personal_priority`): where a vote from their side of the divide would settle a
convergence verdict most (analysis/priority.py `VerdictRouting`); otherwise Pol.is's, the same for everyone. The priority comes from the analysis engine when a current analysis exists (the
Pol.is routing priority, docs/architecture.md §3.1); without one — a new dialogue, or before the first analysis — every
unseen statement gets the Pol.is new-statement boost alone, 1 + 8·2^(−S/5) squared, S being how many people
have seen it, so fresh statements reach voters quickly.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

import numpy as np

from workingup.analysis.priority import VerdictRouting


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


def personal_priority(routing: VerdictRouting, votes: Mapping[int, int]) -> dict[int, float]:
    """Statement id → priority for a participant whose current votes are `votes` (statement id → value).

    Their side of the divide is read from those votes (none yet: the sides weighed by size); statements the
    stored routing does not know (submitted since) are left out, so `choose_next` gives them the new-statement
    boost."""
    index = {int(sid): i for i, sid in enumerate(routing.statement_ids.tolist())}
    known = [(index[sid], value) for sid, value in votes.items() if sid in index]
    side = routing.side_of(
        np.array([i for i, _ in known], dtype=np.int64), np.array([v for _, v in known], dtype=np.int64)
    )
    priority = routing.priority(side)
    # On the scale of the fallback boost (81 for a statement nobody has seen), so that a statement submitted
    # after the analysis competes with the analysed ones as it does under Pol.is's priority.
    top = float(priority.max()) if len(priority) else 0.0
    scale = fallback_priority(0) / top if top > 0 else 1.0
    return {sid: float(priority[i]) * scale for sid, i in index.items()}
