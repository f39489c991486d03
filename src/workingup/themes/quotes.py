"""Pick the exact words that show what a theme is about, from different people where possible.

Candidates are the theme's most typical members; each pick balances typicality against repeating what an
earlier pick already said (maximal marginal relevance), and a speaker already quoted is passed over while
someone else has something close to say. A long contribution is quoted by its sentence that uses the theme's
key terms most, never by a trimmed or stitched-together phrase: every quote is a span of one contribution.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from workingup.themes.contributions import Contribution
from workingup.themes.result import Quote
from workingup.themes.text import analyze, sentence_spans

MAX_QUOTES = 5
MAX_QUOTE_CHARS = 280
"""Longer contributions are quoted by one sentence: a quote should be readable at a glance."""
_POOL = 40
_REDUNDANCY = 0.5
_SAME_SPEAKER = 0.15


def pick_quotes(
    members: NDArray[np.int64],
    vectors: NDArray[np.float64],
    similarity: NDArray[np.float64],
    contributions: Sequence[Contribution],
    key_terms: Sequence[str],
    *,
    limit: int = MAX_QUOTES,
) -> tuple[Quote, ...]:
    """Up to `limit` quotes from `members` (row indices, most typical first)."""
    pool = [int(i) for i in members[:_POOL]]
    key_stems = {s for term in key_terms for s in analyze(term)}
    chosen: list[int] = []
    speakers: set[str] = set()
    seen_texts: set[str] = set()
    while pool and len(chosen) < limit:
        best, best_score = None, -np.inf
        for i in pool:
            score = float(similarity[i])
            if chosen:
                score -= _REDUNDANCY * float(np.max(vectors[chosen] @ vectors[i]))
            speaker = contributions[i].speaker
            if speaker is not None and speaker in speakers:
                score -= _SAME_SPEAKER
            if score > best_score:
                best, best_score = i, score
        assert best is not None
        pool.remove(best)
        text = contributions[best].text.strip().casefold()
        if text in seen_texts:  # the same words said twice are one quote
            continue
        seen_texts.add(text)
        chosen.append(best)
        if contributions[best].speaker is not None:
            speakers.add(contributions[best].speaker)  # type: ignore[arg-type]
    return tuple(quote_of(contributions[i], key_stems) for i in chosen)


def quote_of(contribution: Contribution, key_stems: set[str]) -> Quote:
    """The whole contribution when short, else its sentence richest in the theme's key terms."""
    text = contribution.text
    spans = sentence_spans(text)
    start, end = spans[0][0], spans[-1][1]
    if end - start > MAX_QUOTE_CHARS and len(spans) > 1:
        start, end = max(
            spans, key=lambda s: (len(key_stems.intersection(analyze(text[s[0] : s[1]]))), -s[0])
        )
    return Quote(contribution.id, text[start:end], start, end, contribution.speaker)
