"""Place each theme in the dialogue's focus areas and inquiry areas, where it fits, and say so when it does not.

A focus area is described by everything its dialogue definition says about it: its title and description, the
titles of its inquiry areas, and the seed statements filed under it; an inquiry area by its title and its
own seed statements. A theme is described by its key terms and its quotes. An area's score for a theme is the
mean of the theme's three best similarities to the area's sentences, so an area described at length does not
win on the breadth of its vocabulary. Each theme gets the best focus area when that score reaches a threshold,
and within it the best inquiry area on the same terms; every score is kept so a page can show the runner-up
and a facilitator can overrule. This is a suggestion for a person to confirm: on the labelled sample the best
focus area was the expected one for 10 of 11 topics against the test definition and 7–8 of 11 against the
shipped dialogue file (benchmarks/themes/README.md).

"tfidf" compares stemmed words and word pairs; "minilm" compares sentence embeddings, which also matches
"daycare" with "child care".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from workingup.domain import DialogueDefinition, FocusArea
from workingup.errors import UserError
from workingup.themes.embed import encode_minilm
from workingup.themes.methods import Method
from workingup.themes.result import Theme, ThemeResult
from workingup.themes.text import analyze

DEFAULT_THRESHOLD: dict[str, float] = {"tfidf": 0.03, "minilm": 0.3}
TOP_SENTENCES = 3
"""Least score for a theme to fit an area, set by eye on the labelled sample against the test definition:
below it, themes were unrelated (housing, workplace respect) or barely related."""


@dataclass(frozen=True, slots=True)
class FocusAreaMatch:
    """Where one theme fits: a focus area key (or None: fits none), maybe an inquiry area key, and scores."""

    theme_id: int
    focus_area: str | None
    inquiry_area: str | None
    score: float
    """Similarity to the chosen focus area (to the best one when none fits)."""
    focus_scores: tuple[tuple[str, float], ...]
    """Every focus area with its similarity, best first."""
    inquiry_scores: tuple[tuple[str, float], ...] = ()
    """The chosen focus area's inquiry areas with their similarity, best first."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "theme_id": self.theme_id,
            "focus_area": self.focus_area,
            "inquiry_area": self.inquiry_area,
            "score": self.score,
            "focus_scores": [list(s) for s in self.focus_scores],
            "inquiry_scores": [list(s) for s in self.inquiry_scores],
        }


def map_to_focus_areas(
    themes: ThemeResult | Sequence[Theme],
    definition: DialogueDefinition,
    *,
    method: Method = "tfidf",
    threshold: float | None = None,
) -> tuple[FocusAreaMatch, ...]:
    """One match per theme, in the themes' order."""
    items = tuple(themes.themes if isinstance(themes, ThemeResult) else themes)
    cut = DEFAULT_THRESHOLD[method] if threshold is None else threshold
    if not items or not definition.focus_areas:
        return tuple(FocusAreaMatch(t.id, None, None, 0.0, ()) for t in items)
    focus_docs = [_focus_sentences(definition, area) for area in definition.focus_areas]
    inquiry_docs = [
        [_inquiry_sentences(definition, area, inquiry.key, inquiry.title) for inquiry in area.inquiry_areas]
        for area in definition.focus_areas
    ]
    flat_inquiries = [doc for docs in inquiry_docs for doc in docs]
    theme_docs = [" \n ".join([*t.key_terms, *(q.text for q in t.quotes)]) for t in items]
    # Areas are compared sentence by sentence: an area described at length (many seed statements) would
    # otherwise win on breadth of vocabulary rather than on fit.
    area_sentences = sorted({s for doc in [*focus_docs, *flat_inquiries] for s in doc if s.strip()})
    theme_v, sentence_v = _vectorize(theme_docs, area_sentences, method)
    at = {s: i for i, s in enumerate(area_sentences)}
    sentence_sim = theme_v @ sentence_v.T
    focus_sim = np.column_stack(
        [_area_score(sentence_sim, [at[s] for s in doc if s.strip()]) for doc in focus_docs]
    )
    inquiry_sim = (
        np.column_stack(
            [_area_score(sentence_sim, [at[s] for s in doc if s.strip()]) for doc in flat_inquiries]
        )
        if flat_inquiries
        else np.zeros((len(items), 0))
    )
    n_focus = len(focus_docs)
    offsets = np.cumsum([0, *(len(d) for d in inquiry_docs)])
    matches = []
    for row, theme in enumerate(items):
        order = sorted(range(n_focus), key=lambda f: (-focus_sim[row, f], f))
        focus_scores = tuple((definition.focus_areas[f].key, _r(focus_sim[row, f])) for f in order)
        best = order[0]
        if focus_sim[row, best] < cut:
            matches.append(FocusAreaMatch(theme.id, None, None, _r(focus_sim[row, best]), focus_scores))
            continue
        area = definition.focus_areas[best]
        sims = inquiry_sim[row, offsets[best] : offsets[best + 1]]
        inq_order = sorted(range(len(sims)), key=lambda i: (-sims[i], i))
        inquiry_scores = tuple((area.inquiry_areas[i].key, _r(sims[i])) for i in inq_order)
        inquiry = area.inquiry_areas[inq_order[0]].key if inq_order and sims[inq_order[0]] >= cut else None
        matches.append(
            FocusAreaMatch(
                theme.id, area.key, inquiry, _r(focus_sim[row, best]), focus_scores, inquiry_scores
            )
        )
    return tuple(matches)


def _focus_sentences(definition: DialogueDefinition, area: FocusArea) -> list[str]:
    seeds = [s.text for s in definition.statements if s.focus_area == area.key]
    return [area.title, area.description, *(i.title for i in area.inquiry_areas), *seeds]


def _inquiry_sentences(definition: DialogueDefinition, area: FocusArea, key: str, title: str) -> list[str]:
    seeds = [s.text for s in definition.statements if s.focus_area == area.key and s.inquiry_area == key]
    return [title, *seeds]


def _area_score(sentence_sim: NDArray[np.float64], columns: list[int]) -> NDArray[np.float64]:
    """Mean of a theme's TOP_SENTENCES best similarities to an area's sentences (fewer if it has fewer)."""
    if not columns:
        return np.zeros(sentence_sim.shape[0])
    best = -np.sort(-sentence_sim[:, columns], axis=1)[:, :TOP_SENTENCES]
    return np.asarray(best.mean(axis=1), dtype=np.float64)


def _vectorize(
    themes: list[str], sentences: list[str], method: Method
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Unit vectors for theme documents and for area sentences, in one space."""
    if method == "minilm":
        encoded = encode_minilm([*themes, *sentences])
        return encoded[: len(themes)], encoded[len(themes) :]
    if method != "tfidf":
        raise UserError(f"unknown method {method!r}")
    try:
        matrix = TfidfVectorizer(analyzer=analyze, sublinear_tf=True).fit_transform([*themes, *sentences])
    except ValueError:  # not one content word anywhere
        return np.zeros((len(themes), 1)), np.zeros((len(sentences), 1))
    dense = np.asarray(normalize(matrix).toarray(), dtype=np.float64)
    return dense[: len(themes)], dense[len(themes) :]


def _r(value: float) -> float:
    return round(float(value), 6)
