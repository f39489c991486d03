"""Flag a new statement that says what an existing one already says.

Pol.is moderators rejected or rephrased about a third of Bowling Green's statements by hand, most of them
repeats. The index scores a candidate against every existing statement in one sparse product and returns the
close ones with their similarity, so the submission form can say "this looks like #12" and a moderator can judge.

Similarity ("tfidf", the default) is the mean of two cosines: stemmed words and word pairs (catches rewording
with the same vocabulary), and character 3–5-grams (catches spelling, inflection and compounds: "child care" vs
"childcare"). Terms a query has but the index never saw still count in the query's length, so adding new
content lowers the score instead of being ignored. With the `embeddings` extra, "minilm" uses sentence-embedding
cosine instead, which also catches paraphrase in other words. Thresholds were set on the development half of
`benchmarks/themes/data/paraphrase_pairs.csv` and are reported on the other half (benchmarks/themes/README.md).

Negations ("X should not be banned" against "X should be banned") score as near-duplicates by both methods:
a moderator should read them, which is what a flag asks for.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.feature_extraction.text import CountVectorizer

from workingup.errors import UserError
from workingup.themes.contributions import ContributionId
from workingup.themes.embed import encode_minilm
from workingup.themes.methods import Method
from workingup.themes.text import STOP_WORDS, normalize, stem

DEFAULT_THRESHOLD: dict[str, float] = {"tfidf": 0.2, "minilm": 0.7}
"""Similarity at or above which a statement is flagged (tuned on the development pairs, see module doc)."""


@dataclass(frozen=True, slots=True)
class DuplicateMatch:
    """An existing text close to the query: its position in the index, its id (if given), its similarity."""

    index: int
    id: ContributionId | None
    text: str
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "id": self.id, "text": self.text, "similarity": self.similarity}


class _Sparse:
    """TF-IDF over a fixed vocabulary where unseen query terms still add to the query's norm."""

    def __init__(self, texts: Sequence[str], analyzer: Callable[[str], list[str]]) -> None:
        vectorizer = CountVectorizer(analyzer=analyzer, dtype=np.float64)
        self._vectorizer: CountVectorizer | None = vectorizer
        self._analyzer = analyzer
        try:
            counts = sp.csr_matrix(vectorizer.fit_transform(texts))
        except ValueError:  # nothing readable in any text
            counts = sp.csr_matrix((len(texts), 0))
            self._vectorizer = None
        n = len(texts)
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self._idf = np.log((1 + n) / (1 + df)) + 1
        self._unseen_idf = float(np.log(1 + n) + 1)
        self.matrix = self._rows(counts, np.zeros(n))

    def _rows(self, counts: sp.csr_matrix, unseen_sq: NDArray[np.float64]) -> sp.csr_matrix:
        weighted = sp.csr_matrix(counts.multiply(self._idf[np.newaxis, :]) if counts.shape[1] else counts)
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel() + unseen_sq)
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norms) @ weighted)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        if self._vectorizer is None:
            return sp.csr_matrix((len(texts), 0))
        counts = sp.csr_matrix(self._vectorizer.transform(texts))
        vocabulary = self._vectorizer.vocabulary_
        unseen_sq = np.array(
            [
                sum(1 for term in self._analyzer(text) if term not in vocabulary) * self._unseen_idf**2
                for text in texts
            ]
        )
        return self._rows(counts, unseen_sq)


_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
"""A word in any script: letters and digits, an apostrophe inside ("don't")."""
_URL_END = ".,;:!?)]}'\""


def _url_term(url: str) -> str:
    """One term for a link: case, scheme, "www." and trailing punctuation or slash do not count."""
    address = url.rstrip(_URL_END).lower()
    address = re.sub(r"^(?:https?://)?(?:www\.)?", "", address)
    return "url:" + address.rstrip("/")


def _words_and_links(text: str) -> tuple[list[str], list[str]]:
    """The words of `text` in any script, lower-cased, possessive "'s" dropped, and its links, each one term.

    Why not themes.text.words: it reads only [a-z0-9], so a statement in Arabic was represented by the one English
    word it held, and that word alone matched any English statement using it; and a link was read as words, so
    "https://workers.example.org/better-pay" matched "Workers deserve better pay." (issue 19)."""
    links = [_url_term(m.group()) for m in _URL.finditer(text)]
    rest = _URL.sub(" ", text) if links else text
    tokens = _TOKEN.findall(normalize(unicodedata.normalize("NFKC", rest)))
    return [t[:-2] if t.endswith("'s") else t for t in tokens], links


_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
"""Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, kana, Han): a run of them is a phrase,
not a word, and is read as overlapping character pairs, the usual unit for matching such text."""


def _units(word: str) -> list[str]:
    if len(word) > 2 and _UNSPACED.search(word):
        return [word[i : i + 2] for i in range(len(word) - 1)]
    return [word]


def _terms(text: str) -> list[str]:
    """Content words (English stop words out, English words stemmed; other scripts as written, unspaced ones in
    character pairs), the pairs of adjacent ones, and the links: the word vocabulary of the index."""
    words, links = _words_and_links(text)
    content = [
        w for w in words if w not in STOP_WORDS and not w.isdigit() and (len(w) > 1 or not w.isascii())
    ]
    stems = [unit for w in content for unit in ([stem(w)] if w.isascii() else _units(w))]
    return stems + [f"{a} {b}" for a, b in pairwise(stems)] + links


@lru_cache(maxsize=16384)
def _analysed(text: str, char_grams: bool) -> tuple[str, ...]:
    return tuple(_char_grams(text) if char_grams else _terms(text))


def _cached_words(text: str) -> list[str]:
    """`analyze`, remembered per text: a dialogue's statements are analysed again for every new statement's
    duplicate check (the web server's load profile: 36 ms of CPU per submission over 150 statements, two thirds
    of it re-analysing texts it had seen), and the analysis of a text never changes."""
    return list(_analysed(text, False))


def _cached_char_grams(text: str) -> list[str]:
    return list(_analysed(text, True))


def _weighed_together(sparse: _Sparse, texts: Sequence[str]) -> sp.csr_matrix:
    """Unit rows for `texts` over all their terms: a term the index knows weighs its rarity there, any other
    the rarest weight (a term it never saw), so two new texts sharing a new word still match on it."""
    vocabulary = sparse._vectorizer.vocabulary_ if sparse._vectorizer is not None else {}
    own: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for r, text in enumerate(texts):
        for term in sparse._analyzer(text):
            rows.append(r)
            cols.append(own.setdefault(term, len(own)))
    counts = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(own)))
    idf = np.array([sparse._idf[vocabulary[t]] if t in vocabulary else sparse._unseen_idf for t in own])
    weighted = sp.csr_matrix(counts.multiply(idf[np.newaxis, :])) if own else counts
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ weighted)


def _char_grams(text: str) -> list[str]:
    """3–5-grams of the words in any script (links left out: a link's letters are not the statement's words)."""
    padded = f" {' '.join(_words_and_links(text)[0])} "  # punctuation and case say nothing about meaning here
    return [padded[i : i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1)]


class NearDuplicateIndex:
    """Existing texts, ready to be compared with new ones; build once, query many times.

    >>> index = NearDuplicateIndex(["Payday lenders should be banned.", "Bus fares should be free."])
    >>> [m.index for m in index.query("Payday lending should be banned")]
    [0]
    """

    def __init__(
        self,
        texts: Sequence[str],
        *,
        ids: Sequence[ContributionId] | None = None,
        method: Method = "tfidf",
        threshold: float | None = None,
    ) -> None:
        if method not in DEFAULT_THRESHOLD:
            raise UserError(f"unknown method {method!r}; choose one of {', '.join(DEFAULT_THRESHOLD)}")
        if ids is not None and len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids for {len(texts)} texts")
        self.texts = tuple(texts)
        self.ids = tuple(ids) if ids is not None else None
        self.method = method
        self.threshold = DEFAULT_THRESHOLD[method] if threshold is None else threshold
        if method == "tfidf":
            self._words = _Sparse(self.texts, _cached_words)
            self._chars = _Sparse(self.texts, _cached_char_grams)
        else:
            self._vectors = encode_minilm(self.texts) if self.texts else np.empty((0, 384))

    def extended(
        self, texts: Sequence[str], *, ids: Sequence[ContributionId] | None = None
    ) -> NearDuplicateIndex:
        """A new index with `texts` added (ids required when this index has ids); this one is unchanged.

        The sentence-embedding method reuses the vectors it has; the TF-IDF method refits, since every
        statement changes how rare each word is (896 statements: 0.2 s).
        """
        if (self.ids is None) != (ids is None):
            raise ValueError("give ids for the new texts exactly when the index has ids")
        if ids is not None and len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids for {len(texts)} texts")
        all_ids = None if self.ids is None or ids is None else (*self.ids, *ids)
        if self.method == "tfidf":
            return NearDuplicateIndex([*self.texts, *texts], ids=all_ids, threshold=self.threshold)
        grown = object.__new__(NearDuplicateIndex)
        grown.texts = (*self.texts, *texts)
        grown.ids = all_ids
        grown.method = self.method
        grown.threshold = self.threshold
        added = encode_minilm(texts) if texts else np.empty((0, self._vectors.shape[1]))
        grown._vectors = np.vstack([self._vectors, added])
        return grown

    def __len__(self) -> int:
        return len(self.texts)

    def similarities(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Similarity of each of `texts` (rows) to each indexed text (columns), in [0, 1]."""
        if not self.texts:
            return np.zeros((len(texts), 0))
        if self.method == "tfidf":
            words = (self._words.transform(texts) @ self._words.matrix.T).toarray()
            chars = (self._chars.transform(texts) @ self._chars.matrix.T).toarray()
            scores = (words + chars) / 2
        else:
            scores = encode_minilm(texts) @ self._vectors.T
        return np.asarray(np.clip(scores, 0.0, 1.0), dtype=np.float64)

    def cross_similarities(self, texts: Sequence[str], others: Sequence[str]) -> NDArray[np.float64]:
        """Similarity of each of `texts` (rows) to each of `others` (columns), weighing words as this index does.

        For texts added since the index was built, without refitting it: their words are weighed by this
        index's rarity (a word it never saw counts as rarest, and still matches the same word in the other
        text), which is what a refit would give them, give or take how much a few texts shift the rarity of
        words over many."""
        if not others:
            return np.zeros((len(texts), 0))
        if self.method == "tfidf":
            n = len(texts)
            both = [*texts, *others]
            words = _weighed_together(self._words, both)
            chars = _weighed_together(self._chars, both)
            scores = ((words[:n] @ words[n:].T).toarray() + (chars[:n] @ chars[n:].T).toarray()) / 2
        else:
            scores = encode_minilm(texts) @ encode_minilm(others).T
        return np.asarray(np.clip(scores, 0.0, 1.0), dtype=np.float64)

    def query(self, text: str, *, limit: int = 5, threshold: float | None = None) -> list[DuplicateMatch]:
        """Indexed texts at least `threshold` similar to `text`, most similar first (ties: index order)."""
        cut = self.threshold if threshold is None else threshold
        scores = self.similarities([text])[0]
        hits = np.flatnonzero(scores >= cut)
        hits = hits[np.lexsort((hits, -scores[hits]))][:limit]
        return [self._match(int(i), float(scores[i])) for i in hits]

    def is_duplicate(self, text: str) -> bool:
        return bool(self.query(text, limit=1))

    def pairs(self, *, threshold: float | None = None) -> list[tuple[int, int, float]]:
        """(i, j, similarity) with i < j for indexed texts that duplicate each other: a moderation queue."""
        cut = self.threshold if threshold is None else threshold
        out = []
        for start in range(0, len(self.texts), 512):
            block = self._block(start, start + 512)
            rows, cols = np.nonzero(block >= cut)
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                if start + r < c:
                    out.append((start + r, c, round(float(block[r, c]), 6)))
        return sorted(out, key=lambda p: (-p[2], p[0], p[1]))

    def _block(self, start: int, stop: int) -> NDArray[np.float64]:
        """Similarities of indexed texts start…stop to all indexed texts, without re-encoding them."""
        if self.method == "tfidf":
            words = (self._words.matrix[start:stop] @ self._words.matrix.T).toarray()
            chars = (self._chars.matrix[start:stop] @ self._chars.matrix.T).toarray()
            scores = (words + chars) / 2
        else:
            scores = self._vectors[start:stop] @ self._vectors.T
        return np.asarray(np.clip(scores, 0.0, 1.0), dtype=np.float64)

    def _match(self, i: int, score: float) -> DuplicateMatch:
        return DuplicateMatch(
            i, self.ids[i] if self.ids is not None else None, self.texts[i], round(score, 6)
        )
