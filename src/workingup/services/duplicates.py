"""Is a new statement a duplicate of one already in the dialogue? One function, so the method can change.

First an exact comparison of normalised texts (case, accents, punctuation and spacing do not count), then the
themes engine's near-duplicate index (`workingup.themes.NearDuplicateIndex`, stemmed words and character
n-grams, with the threshold tuned on paraphrase pairs), which also catches rewording with the same vocabulary.
The caller warns and lets the participant submit anyway: a flag is a question, not a refusal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TypeVar

from workingup.themes import NearDuplicateIndex

K = TypeVar("K")

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", without_marks).split())


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
    matches = NearDuplicateIndex([other for _, other in items]).query(text, limit=1)
    return items[matches[0].index][0] if matches else None
