"""Is a new statement a duplicate of one already in the dialogue? One function, so the method can change.

First an exact comparison of normalised texts (case, accents, punctuation and spacing do not count), then the
themes engine's near-duplicate index (`workingup.themes.NearDuplicateIndex`, stemmed words and character
n-grams, with the threshold tuned on paraphrase pairs), which also catches rewording with the same vocabulary.
The caller warns and lets the participant submit anyway: a flag is a question, not a refusal.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable
from functools import lru_cache
from typing import TypeVar

from workingup.themes import NearDuplicateIndex

K = TypeVar("K")

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


@lru_cache(maxsize=16384)
def normalise(text: str) -> str:
    """Case, accents, punctuation and spacing removed; remembered per text, since every new statement is
    compared with all the dialogue's statements again."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", without_marks).split())


WARNING_THRESHOLD = 0.2
"""Similarity at or above which the submission form warns (the themes index's tfidf default until measured)."""

REFIT_AFTER = 32
"""New texts checked against a cached index (weighed by its word rarity) before the index is built again (and
never more than a quarter of the texts it holds)."""

_indexes: OrderedDict[tuple[str, ...], NearDuplicateIndex] = OrderedDict()
_lock = threading.Lock()


def _index_for(texts: list[str]) -> tuple[NearDuplicateIndex, list[int]]:
    """An index over most of `texts` and the positions of those it does not hold (at most REFIT_AFTER).

    Why: every submitted statement is compared with all the dialogue's statements, and refitting the index for
    each one (40 ms over 150 statements) made a burst of submissions hold the web server's GIL for seconds (the
    load harness: votes waiting seconds behind 100 statements). A dialogue's statements mostly stay: the index
    of an earlier call is reused while it holds only texts still there and at most REFIT_AFTER are new."""
    present = set(texts)
    with _lock:
        for base, index in reversed(_indexes.items()):
            if present.issuperset(base):
                known = set(base)
                extra = [i for i, t in enumerate(texts) if t not in known]
                # A few new texts beside many: their weights barely move (a quarter at most, 32 at most).
                if len(extra) <= min(REFIT_AFTER, max(4, len(base) // 4)):
                    _indexes.move_to_end(base)
                    return index, extra
    base = tuple(texts)
    index = NearDuplicateIndex(list(base), threshold=WARNING_THRESHOLD)
    with _lock:
        _indexes[base] = index
        while len(_indexes) > 8:
            _indexes.popitem(last=False)
    return index, []


def find_duplicate(text: str, existing: Iterable[tuple[K, str]]) -> K | None:
    """The key of the existing statement `text` most closely duplicates, or None."""
    target = normalise(text)
    if not target:
        return None
    items = list(existing)
    for key, other in items:
        if normalise(other) == target:
            return key
    if not items:
        return None
    texts = [other for _, other in items]
    index, extra = _index_for(texts)
    best: tuple[float, int] | None = None  # (similarity, position in items); the earliest wins a tie
    position = {t: i for i, t in reversed(list(enumerate(texts)))}
    for match in index.query(text, limit=1):
        best = (match.similarity, position[match.text])
    if extra:
        scores = index.cross_similarities([text], [texts[i] for i in extra])[0]
        for i, score in zip(extra, scores.tolist(), strict=True):
            if score >= index.threshold and (best is None or score > best[0]):
                best = (score, i)
    return items[best[1]][0] if best is not None else None
