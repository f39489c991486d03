"""Near-duplicate detection: precision and recall on written paraphrase pairs, and a look at real moderation.

Data: benchmarks/themes/data/paraphrase_pairs.csv (132 pairs written for this project: 60 paraphrases, 60
same-topic statements that say something else, 12 negations), split into a development half (thresholds are
chosen there) and a test half (figures are reported there). Every statement of the file sits in one index, as
in a real conversation, and a pair is flagged when its two statements score at least the threshold.
Rule for the threshold: the highest one whose development F1 is within 0.01 of the best development F1
(a flag costs a moderator's attention, so among equally good thresholds the stricter wins).

Real data: american-assembly.bowling-green's 896 statements in submission order; a statement is "flagged" when
it is close to an earlier one. Pol.is moderators rejected about a third of them, duplicates among other
reasons, so a useful flag should pick out statements rejected more often than the rest.

    .venv/bin/python benchmarks/themes/near_duplicates.py [--methods tfidf minilm]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from difflib import SequenceMatcher
from pathlib import Path
from typing import cast

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.themes.fixtures import paraphrase_pairs  # noqa: E402

from workingup.themes import Method, NearDuplicateIndex, embeddings_available  # noqa: E402
from workingup.themes.duplicates import DEFAULT_THRESHOLD  # noqa: E402

POLIS = ROOT.parent / "shared" / "data" / "polis"


def similarity_matrix(method: str, texts: list[str]) -> np.ndarray:
    if method == "peer:sklearn-tfidf":  # TfidfVectorizer with its defaults, cosine
        vectors = TfidfVectorizer().fit_transform(texts)
        return np.asarray((vectors @ vectors.T).toarray())
    if method == "peer:difflib":  # the standard library's sequence similarity
        return np.array([[SequenceMatcher(None, a.lower(), b.lower()).ratio() for b in texts] for a in texts])
    return NearDuplicateIndex(texts, method=cast(Method, method)).similarities(texts)


def scores(method: str) -> tuple[list[dict[str, str]], np.ndarray]:
    pairs = paraphrase_pairs()
    texts = sorted({p["a"] for p in pairs} | {p["b"] for p in pairs})
    at = {t: i for i, t in enumerate(texts)}
    matrix = similarity_matrix(method, texts)
    return pairs, np.array([matrix[at[p["a"]], at[p["b"]]] for p in pairs])


def prf(flag: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    hits = int((flag & truth).sum())
    precision = hits / max(int(flag.sum()), 1)
    recall = hits / max(int(truth.sum()), 1)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-12)


def evaluate(method: str) -> None:
    pairs, s = scores(method)
    relation = np.array([p["relation"] for p in pairs])
    split = np.array([p["split"] for p in pairs])
    graded = relation != "negation"
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    dev = (split == "dev") & graded
    dev_f1 = np.array([prf(s[dev] >= t, relation[dev] == "paraphrase")[2] for t in grid])
    chosen = float(grid[np.flatnonzero(dev_f1 >= dev_f1.max() - 0.01).max()])
    test = (split == "test") & graded
    p, r, f1 = prf(s[test] >= chosen, relation[test] == "paraphrase")
    pd, rd, f1d = prf(s[dev] >= chosen, relation[dev] == "paraphrase")
    negations = s[relation == "negation"] >= chosen
    default = f" (library default {DEFAULT_THRESHOLD[method]:.2f})" if method in DEFAULT_THRESHOLD else ""
    print(f"\n## {method}: chosen threshold {chosen:.2f}{default}")
    print("| half | pairs | precision | recall | F1 |")
    print("|---|---|---|---|---|")
    print(f"| development | {dev.sum()} | {pd:.2f} | {rd:.2f} | {f1d:.2f} |")
    print(f"| **test** | {test.sum()} | **{p:.2f}** | **{r:.2f}** | **{f1:.2f}** |")
    print(f"negations flagged: {negations.sum()} of {negations.size}")


def bowling_green(method: str, threshold: float) -> None:
    path = POLIS / "american-assembly.bowling-green" / "comments.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda r: int(r["timestamp"]))
    texts = [r["comment-body"] for r in rows]
    rejected = np.array([int(r["moderated"]) == -1 for r in rows])
    start = time.perf_counter()
    index = NearDuplicateIndex(texts, method=cast(Method, method))
    built = time.perf_counter() - start
    start = time.perf_counter()
    for text in texts[:200]:
        index.query(text)
    per_query = (time.perf_counter() - start) / 200
    s = index.similarities(texts)
    earlier = np.where(np.tril(np.ones_like(s, dtype=bool), -1), s, 0).max(axis=1)
    print(
        f"Bowling Green, {method}: index of {len(texts)} built in {built:.2f} s, {per_query * 1000:.1f} ms per query"
    )
    print("| threshold | statements flagged | rejected among flagged | rejected among the rest |")
    print("|---|---|---|---|")
    for cut in sorted({threshold, *np.round(np.arange(threshold, threshold + 0.31, 0.1), 2)}):
        flagged = earlier >= cut
        mark = " (default)" if cut == threshold else ""
        print(
            f"| {cut:.2f}{mark} | {flagged.mean():.0%} | {rejected[flagged].mean():.0%} | "
            f"{rejected[~flagged].mean():.0%} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    default = ["tfidf", "peer:sklearn-tfidf", "peer:difflib"] + (["minilm"] if embeddings_available() else [])
    parser.add_argument("--methods", nargs="+", default=default)
    args = parser.parse_args()
    for method in args.methods:
        evaluate(method)
        if POLIS.is_dir() and method in DEFAULT_THRESHOLD:
            bowling_green(method, DEFAULT_THRESHOLD[method])


if __name__ == "__main__":
    main()
