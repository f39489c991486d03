"""Themes for 10,000 contributions: how long the default method takes, against plain k-means on TF-IDF.

Data: every English statement in ../shared/data/polis (3,817 real statements from eight conversations), then
seeded recombinations up to 10,000: each extra contribution joins one sentence of one real statement to one
sentence of another, so vocabulary and length stay real while no text repeats.

Ours ("tfidf"): stemming, TF-IDF, LSA, spectral clustering of the 8-nearest-neighbour graph (one thread),
labels, 3–5 quotes per theme;
the stemming cache is cleared before every run, so each run is as slow as the first one in a new process.
Peer, in the same run: scikit-learn's TfidfVectorizer (English stop words) + KMeans with its defaults (same
number of clusters, default thread pool) — clusters only, no labels or quotes. With --minilm, also ours with
sentence embeddings and BERTopic on the same embeddings when installed.

    .venv/bin/python benchmarks/themes/scale.py [--n 10000] [--repeat 3] [--minilm]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sklearn.cluster import KMeans  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402

from workingup.themes import Contribution, find_themes  # noqa: E402
from workingup.themes.embed import embed  # noqa: E402
from workingup.themes.text import sentence_spans, stem  # noqa: E402

T = TypeVar("T")
POLIS = ROOT.parent / "shared" / "data" / "polis"
ENGLISH = [
    "15-per-hour-seattle",
    "american-assembly.bowling-green",
    "bg2050-volunteers",
    "brexit-consensus",
    "canadian-electoral-reform",
    "london.youth.policing",
    "march-on.operation-marchin-orders",
    "scoop-hivemind.ubi",
]


def corpus(n: int, seed: int = 0) -> list[Contribution]:
    texts: list[str] = []
    for name in ENGLISH:
        with open(POLIS / name / "comments.csv", newline="", encoding="utf-8") as handle:
            texts.extend(
                r["comment-body"].strip() for r in csv.DictReader(handle) if r["comment-body"].strip()
            )
    real = len(texts)
    rng = random.Random(seed)
    sentences = [t[a:b] for t in texts for a, b in sentence_spans(t)]
    seen = set(texts)
    while len(texts) < n:
        text = f"{rng.choice(sentences)} {rng.choice(sentences)}"
        if text not in seen:
            seen.add(text)
            texts.append(text)
    print(f"{real} real statements, {len(texts[:n]) - min(real, n)} recombined, {n} in all")
    return [Contribution(i, t) for i, t in enumerate(texts[:n])]


def best_of(repeat: int, run: Callable[[], T]) -> tuple[float, T]:
    times: list[float] = []
    for _ in range(repeat):
        stem.cache_clear()  # every run starts cold, as in a fresh process
        start = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--minilm", action="store_true")
    args = parser.parse_args()
    contributions = corpus(args.n)
    texts = [c.text for c in contributions]

    ours_s, result = best_of(args.repeat, lambda: find_themes(contributions))
    k = len(result.themes)

    def peer() -> list[int]:
        vectors = TfidfVectorizer(stop_words="english").fit_transform(texts)
        return list(KMeans(n_clusters=k, random_state=0).fit(vectors).labels_)

    peer_s, _ = best_of(args.repeat, peer)
    print("| pipeline | themes | coverage | best of", args.repeat, "|")
    print("|---|---|---|---|")
    print(f"| ours, tfidf (labels + quotes) | {k} | {result.coverage:.1%} | {ours_s:.2f} s |")
    print(
        f"| peer: sklearn TfidfVectorizer + KMeans defaults (clusters only) | {k} | 100% | {peer_s:.2f} s |"
    )
    print(f"peer / ours = {peer_s / ours_s:.2f}")

    if args.minilm:
        encode_s, vectors = best_of(1, lambda: embed(texts, method="minilm"))
        mini_s, mini = best_of(1, lambda: find_themes(contributions, method="minilm"))
        print(
            f"| ours, minilm (encoding {encode_s:.1f} s of it) | {len(mini.themes)} | {mini.coverage:.1%} | {mini_s:.1f} s |"
        )
        try:
            from bertopic import BERTopic
        except ImportError:
            print("| peer: BERTopic | not installed | | |")
            return
        fit_s, topics = best_of(1, lambda: list(BERTopic().fit_transform(texts, vectors)[0]))
        kept = sum(1 for t in topics if t >= 0) / len(topics)
        print(
            f"| peer: BERTopic on the same embeddings (UMAP+HDBSCAN+c-TF-IDF) | {len(set(topics) - {-1})} | "
            f"{kept:.1%} | {fit_s + encode_s:.1f} s ({fit_s:.1f} s after encoding) |"
        )


if __name__ == "__main__":
    main()
