"""Is a new statement a duplicate of one already in the dialogue? One function, so it can be swapped.

Until the themes engine offers near-duplicate detection, two statements are duplicates when their normalised
texts are equal: case, accents, punctuation and spacing do not count. This catches resubmissions and copy-paste
with small edits of form, never a rewording; the caller warns, it does not refuse.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TypeVar

K = TypeVar("K")

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", without_marks).split())


def find_duplicate(text: str, existing: Iterable[tuple[K, str]]) -> K | None:
    """The key of the first existing statement `text` duplicates, or None."""
    target = normalise(text)
    if not target:
        return None
    for key, other in existing:
        if normalise(other) == target:
            return key
    return None
