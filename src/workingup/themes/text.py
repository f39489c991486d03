"""Words and sentences of short contributions, kept tied to character offsets in the original text.

Everything a facilitator sees must be checkable against what was said, so sentence splitting returns spans
(start, end) into the untouched text, never cleaned-up copies. Tokens are for the math only: lower-cased,
stop words out, Snowball-stemmed so that "schedule", "schedules" and "scheduling" count as one idea, while
the surface word most often used stays available for labels.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from itertools import pairwise

import snowballstemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# A sentence ends at . ! ? (with closing quotes or brackets) followed by white space, or at a line break.
_SENTENCE_END = re.compile(r"""[.!?]+['")\]’”]*(?=\s)|\n+""")
# Abbreviations whose full stop does not end a sentence ("a.m.", "Dr.", "e.g.").
_NO_BREAK = re.compile(r"(?:\b[a-z]\.[a-z]\.|\b(?:dr|mr|mrs|ms|st|vs|etc|e\.g|i\.e|no|jr|sr)\.)$", re.I)

# Conversational filler and contractions that say nothing about a topic; sklearn's list covers the rest.
_EXTRA_STOP_WORDS = frozenset(
    """
    i'm i've i'd i'll you're you've you'd we're we've we'd they're they've it's that's there's what's don't
    doesn't didn't can't couldn't won't wouldn't isn't aren't wasn't weren't shouldn't haven't hasn't hadn't
    let's who's he's she's ain't gonna wanna gotta just really like get got getting know think thing things
    lot lots way want wants wanted say says said make makes made going go goes went come comes came
    actually basically maybe kind sort also still even ever every one two yes okay ok oh um uh yeah
    """.split()  # noqa: SIM905
)
STOP_WORDS: frozenset[str] = frozenset(ENGLISH_STOP_WORDS) | _EXTRA_STOP_WORDS


_local = threading.local()


def _stemmer() -> snowballstemmer.stemmer:
    """One stemmer per thread: a stemmer keeps the word it is working on in itself, so two web requests
    stemming at once through a shared one corrupted each other (an IndexError, a 500, under the load harness)."""
    found: snowballstemmer.stemmer | None = getattr(_local, "stemmer", None)
    if found is None:
        found = _local.stemmer = snowballstemmer.stemmer("english")
    return found


def normalize(text: str) -> str:
    """Lower case with typographic apostrophes straightened, so "don’t" and "don't" are one token."""
    return text.lower().replace("’", "'").replace("‘", "'")


def words(text: str) -> list[str]:
    """Lower-cased word tokens with a possessive "'s" dropped; stop words kept (sentence checks need them)."""
    tokens = _WORD.findall(normalize(text))
    return [t[:-2] if t.endswith("'s") else t for t in tokens]


def content_words(text: str) -> list[str]:
    """Words that can carry a topic: no stop words, no bare numbers, at least two letters."""
    return [w for w in words(text) if w not in STOP_WORDS and len(w) > 1 and not w.isdigit()]


@lru_cache(maxsize=1 << 17)
def stem(word: str) -> str:
    """Cached: a corpus repeats a few thousand words, and the pure-Python stemmer was 85% of the run time."""
    return str(_stemmer().stemWord(word))


def analyze(text: str) -> list[str]:
    """Stemmed content words and the bigrams of adjacent content words: the vocabulary every method shares."""
    stems = [stem(w) for w in content_words(text)]
    return stems + [f"{a} {b}" for a, b in pairwise(stems)]


class SurfaceForms:
    """Remembers how people actually wrote each stem, so a label reads "child care", not "child care"'s stem."""

    def __init__(self) -> None:
        self._counts: dict[str, Counter[str]] = {}

    def add(self, text: str) -> None:
        ws = content_words(text)
        stems = [stem(w) for w in ws]
        for w, s in zip(ws, stems, strict=True):
            self._counts.setdefault(s, Counter())[w] += 1
        for i in range(len(ws) - 1):
            key = f"{stems[i]} {stems[i + 1]}"
            self._counts.setdefault(key, Counter())[f"{ws[i]} {ws[i + 1]}"] += 1

    def update(self, texts: Iterable[str]) -> SurfaceForms:
        for text in texts:
            self.add(text)
        return self

    def __getitem__(self, term: str) -> str:
        """The most frequent surface form (ties broken alphabetically, so labels are deterministic)."""
        counts = self._counts.get(term)
        if not counts:
            return term
        return min(counts.items(), key=lambda item: (-item[1], item[0]))[0]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, trimmed of surrounding white space; text[start:end] is verbatim."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.group().startswith(".") and _NO_BREAK.search(text[: match.end()]):
            continue
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    return [trimmed for span in spans if (trimmed := _trim(text, *span)) is not None]


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None
