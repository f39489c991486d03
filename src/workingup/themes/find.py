"""From contributions to themes: embed, group, then name each theme and quote it.

Same contributions (in any order), same method and same `random_state` give the same result, byte for byte in
`to_json()`, on a given installation: every random step is seeded and runs on one thread. (Other BLAS builds
may round differently; nothing here has been checked across machines.)
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from workingup.errors import UserError
from workingup.themes.cluster import Clustering, default_min_size, dissolve, group_texts, settle
from workingup.themes.contributions import Contribution, ContributionId
from workingup.themes.embed import TermMatrix, encode_minilm, lsa
from workingup.themes.label import key_terms, label_from
from workingup.themes.methods import METHODS, Method
from workingup.themes.quotes import pick_quotes
from workingup.themes.result import Theme, ThemeResult
from workingup.themes.text import SurfaceForms

OTHER_FLOOR: dict[str, float] = {"tfidf": 0.1, "minilm": 0.3}
"""Cosine to its theme's centre below which a contribution is "other": at that point it shares next to
nothing with the theme (TF-IDF/LSA and MiniLM spread similarities differently, hence one floor each)."""


def find_themes(
    contributions: Sequence[Contribution],
    *,
    method: Method = "tfidf",
    n_themes: int | None = None,
    min_size: int | None = None,
    random_state: int = 0,
) -> ThemeResult:
    """Themes of `contributions`; each contribution lands in exactly one theme or in "other".

    `n_themes` defaults to about √n (at most 30); `min_size` to max(3, n // 100). Method "minilm" needs the
    optional `embeddings` extra (see `workingup.themes.embeddings_available`).
    """
    if n_themes is not None and n_themes < 1:
        raise UserError(f"n_themes must be at least 1, not {n_themes}")
    corpus = _Corpus(contributions, method, random_state)
    if not contributions:
        return ThemeResult(method, random_state, (), (), 0)
    floor = OTHER_FLOOR[method]
    if min_size is None:
        min_size = default_min_size(len(contributions))
    clustering = group_texts(
        corpus.vectors, n_themes=n_themes, min_size=min_size, floor=floor, random_state=random_state
    )
    while True:
        named = [corpus.name(number, clustering) for number in range(len(clustering.centres))]
        # A group with no words of its own is the clustering's catch-all for texts that are alike only in
        # being different; it is not a theme, so its members go to the nearest real theme or to "other".
        nameless = [number for number, (_, words) in enumerate(named) if not words]
        if not nameless:
            break
        clustering = dissolve(clustering, corpus.vectors, nameless, min_size=min_size, floor=floor)
    return corpus.result(clustering, named)


def themes_from_groups(
    contributions: Sequence[Contribution],
    groups: Mapping[ContributionId, Hashable | None],
    *,
    method: Method = "tfidf",
    random_state: int = 0,
) -> ThemeResult:
    """Labels and quotes for groups someone else made: a facilitator's regrouping, or hand-coded topics.

    `groups` maps every contribution id to a group key, or to None for "other". Groups are kept exactly as
    given (no floor, no minimum size); themes are numbered by decreasing size.
    """
    corpus = _Corpus(contributions, method, random_state)
    missing = [c.id for c in contributions if c.id not in groups]
    if missing:
        raise UserError(f"no group given for contribution {', '.join(map(str, missing[:5]))}")
    keys = list(dict.fromkeys(g for c in contributions if (g := groups[c.id]) is not None))
    position = {key: i for i, key in enumerate(keys)}
    assigned = np.array(
        [position[g] if (g := groups[c.id]) is not None else -1 for c in corpus.contributions], dtype=np.int64
    )
    # Texts with no known word have zero vectors: they stay where they were put and do not move the centre.
    clustering = settle(corpus.vectors, assigned, min_size=1, floor=-np.inf)
    named = [corpus.name(number, clustering) for number in range(len(clustering.centres))]
    return corpus.result(clustering, named)


class _Corpus:
    """Everything about one set of contributions that naming and quoting need, computed once."""

    def __init__(self, contributions: Sequence[Contribution], method: Method, random_state: int) -> None:
        if method not in METHODS:
            raise UserError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
        ids = [c.id for c in contributions]
        if len(set(ids)) != len(ids):
            dupes = sorted({str(i) for i in ids if ids.count(i) > 1})
            raise UserError(f"duplicate contribution id {', '.join(dupes)}")
        # Work in a canonical order (by text, then id) so the caller's order cannot change the result:
        # k-means seeds from row positions, and a facilitator re-importing the same file sorted differently
        # should get the same themes.
        self.position = {c.id: i for i, c in enumerate(contributions)}
        self.contributions = sorted(contributions, key=lambda c: (c.text, str(c.id)))
        self.method = method
        self.random_state = random_state
        self.texts = [c.text for c in self.contributions]
        self.terms = TermMatrix.build(self.texts)
        # How words are spelled most often across the whole set: a theme's label uses its own key terms,
        # written the way people wrote them.
        self.forms = SurfaceForms().update(self.texts)
        self.presence: sp.csr_matrix = (self.terms.counts > 0).astype(np.float64).tocsr()
        if not contributions:
            self.vectors = np.zeros((0, 1))
        elif method == "tfidf":
            self.vectors = lsa(self.terms.tfidf(), random_state=random_state)
        else:
            self.vectors = encode_minilm(self.texts)

    def name(self, number: int, clustering: Clustering) -> tuple[NDArray[np.int64], tuple[str, ...]]:
        """A theme's member rows, most typical first, and its key terms."""
        rows = np.flatnonzero(clustering.labels == number)
        rows = rows[np.lexsort((rows, -clustering.similarity[rows]))]
        return rows, key_terms(self.presence, self.terms.terms, rows, forms=self.forms)

    def result(
        self, clustering: Clustering, named: list[tuple[NDArray[np.int64], tuple[str, ...]]]
    ) -> ThemeResult:
        themes = []
        for number, (rows, words) in enumerate(named):
            quotes = pick_quotes(rows, self.vectors, clustering.similarity, self.contributions, words)
            themes.append(
                Theme(
                    id=number + 1,
                    label=label_from(words),
                    key_terms=words,
                    members=tuple(self.contributions[int(i)].id for i in rows),
                    quotes=quotes,
                    cohesion=round(float(clustering.similarity[rows].mean()), 6),
                )
            )
        other_ids = [self.contributions[int(i)].id for i in np.flatnonzero(clustering.labels < 0)]
        other = tuple(sorted(other_ids, key=self.position.__getitem__))  # as the caller listed them
        return ThemeResult(self.method, self.random_state, tuple(themes), other, len(self.contributions))
