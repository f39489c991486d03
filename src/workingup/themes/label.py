"""Name a theme with its own words: the terms its members use far more often than everyone else does.

A term's score is its share of the theme's members times the log of how much more common it is there than in
the whole corpus (one member's term of the Kullback–Leibler divergence). Counting members rather than
occurrences keeps one talkative person from naming a theme. A bigram replaces its own words when at least half
the members who use the word use the bigram, so the label says "child care", not "child, care".
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from workingup.themes.text import SurfaceForms

MIN_SHARE = 0.1
"""A key term is used by at least this share of the theme's members (and by two of them)."""


def key_terms(
    presence: sp.csr_matrix,
    terms: NDArray[np.str_],
    members: NDArray[np.int64],
    *,
    forms: SurfaceForms,
    limit: int = 10,
) -> tuple[str, ...]:
    """The `limit` most distinctive terms of the member rows, in the words people used."""
    if presence.shape[1] == 0 or members.size == 0:
        return ()
    n = presence.shape[0]
    in_theme = np.asarray(presence[members].sum(axis=0)).ravel()
    overall = np.asarray(presence.sum(axis=0)).ravel()
    share = in_theme / members.size
    background = overall / n
    usable = (in_theme >= min(2, members.size)) & (share >= MIN_SHARE)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(usable, share * np.log(share / background), -np.inf)
    candidates = np.flatnonzero(np.isfinite(score) & (score > 0))
    ranked = candidates[np.lexsort((terms[candidates], -score[candidates]))].tolist()

    chosen: list[int] = []
    for i in ranked:
        term = str(terms[i])
        parts = term.split(" ")
        if len(parts) == 2:
            absorbed = [j for j in chosen if str(terms[j]) in parts]
            if any(in_theme[i] < 0.5 * in_theme[j] for j in absorbed):
                continue
            if absorbed:  # the bigram takes its word's place, the order of importance stays
                chosen[chosen.index(absorbed[0])] = i
                chosen = [j for j in chosen if j not in absorbed[1:]]
            else:
                chosen.append(i)
        elif not any(term in str(terms[j]).split(" ") for j in chosen):
            chosen.append(i)
        if len(chosen) >= limit:
            break
    # Surface forms can collide ("cares" and "care" share a stem, bigrams may repeat a word): keep the first.
    out: list[str] = []
    for j in chosen:
        form = forms[str(terms[j])]
        if form not in out:
            out.append(form)
    return tuple(out)


def label_from(terms: tuple[str, ...], *, count: int = 3) -> str:
    return ", ".join(terms[:count]) if terms else "(no distinctive words)"
