"""Theme quality: agreement with hand labels, stability, coverage, and focus-area placement.

Data: the illustrative listening sample shipped with the package (204 contributions) and its hand-assigned
topics (benchmarks/themes/data/listening_sample_topics.csv, 13 topics); the 2,162 real statements of
../shared/data/polis/march-on.operation-marchin-orders/comments.csv (no labels: coverage, verbatim quotes and
re-run identity only).

Agreement is adjusted mutual information (AMI) between theme assignments ("other" counted as one more group)
and the labels. Peers, in the same run: plain k-means on scikit-learn TF-IDF (English stop words, the same
number of themes as ours), and BERTopic (UMAP + HDBSCAN + c-TF-IDF, its defaults) on the same MiniLM
embeddings when `bertopic` is installed (`pip install bertopic`; benchmark-only, not a project dependency).

    .venv/bin/python benchmarks/themes/quality.py
"""

from __future__ import annotations

import csv
import itertools
import sys
import time
from collections.abc import Hashable, Sequence
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_mutual_info_score
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.themes.fixtures import WORKING_UP, sample_topics, topic_focus_areas  # noqa: E402

from workingup.domain import DialogueDefinition  # noqa: E402
from workingup.themes import (  # noqa: E402
    Contribution,
    Method,
    ThemeResult,
    embeddings_available,
    find_themes,
    map_to_focus_areas,
    sample_contributions,
    themes_from_groups,
)
from workingup.themes.embed import embed  # noqa: E402
from workingup.themes.text import stem  # noqa: E402

MARCH_ON = ROOT.parent / "shared" / "data" / "polis" / "march-on.operation-marchin-orders" / "comments.csv"
SEEDS = range(5)


def labels_of(result: ThemeResult, contributions: list[Contribution]) -> list[int]:
    assigned = result.assignments()
    return [a if (a := assigned[c.id]) is not None else -1 for c in contributions]


def ami(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    return float(adjusted_mutual_info_score(a, b))


def sample_table(methods: list[Method]) -> None:
    contributions = sample_contributions()
    topics = sample_topics()
    truth = [topics[c.id] for c in contributions]
    print("## Agreement with hand labels (illustrative sample, 204 contributions, 13 topics)\n")
    print("| method | themes | coverage | AMI, 5 seeds (mean ± sd) | AMI at 13 themes | seed-to-seed AMI |")
    print("|---|---|---|---|---|---|")
    for method in methods:
        runs = [find_themes(contributions, method=method, random_state=s) for s in SEEDS]
        scores = [ami(truth, labels_of(r, contributions)) for r in runs]
        at13 = [
            ami(
                truth,
                labels_of(
                    find_themes(contributions, method=method, n_themes=13, random_state=s), contributions
                ),
            )
            for s in SEEDS
        ]
        stability = [
            ami(labels_of(a, contributions), labels_of(b, contributions))
            for a, b in itertools.combinations(runs, 2)
        ]
        print(
            f"| ours, {method} | {len(runs[0].themes)} | {runs[0].coverage:.0%} | {np.mean(scores):.3f} ± "
            f"{np.std(scores):.3f} | {np.mean(at13):.3f} | {np.mean(stability):.2f} |"
        )
    k = len(find_themes(contributions).themes)
    texts = [c.text for c in contributions]
    for method in methods:  # ablation: the same vectors grouped by k-means instead of the neighbour graph
        vectors = [embed(texts, method=method, random_state=s) for s in SEEDS]
        with threadpool_limits(1):
            runs = [
                KMeans(n_clusters=k, n_init=4, random_state=s).fit(v).labels_.tolist()
                for s, v in zip(SEEDS, vectors, strict=True)
            ]
        scores = [ami(truth, r) for r in runs]
        stability = [ami(a, b) for a, b in itertools.combinations(runs, 2)]
        print(
            f"| ablation: {method} vectors, k-means | {k} | 100% | {np.mean(scores):.3f} ± {np.std(scores):.3f} | "
            f"| {np.mean(stability):.2f} |"
        )
    peer = []
    with threadpool_limits(1):
        vectors = TfidfVectorizer(stop_words="english").fit_transform(texts)
        for s in SEEDS:
            peer.append(ami(truth, KMeans(n_clusters=k, random_state=s).fit(vectors).labels_.tolist()))
    print(f"| peer: k-means on sklearn TF-IDF | {k} | 100% | {np.mean(peer):.3f} ± {np.std(peer):.3f} | | |")
    if "minilm" in methods:
        bertopic_row(texts, truth)


def bertopic_row(texts: list[str], truth: list[str]) -> None:
    try:
        from bertopic import BERTopic
    except ImportError:
        print("| peer: BERTopic | not installed | | | | |")
        return
    vectors = embed(texts, method="minilm")
    scores, coverage, counts = [], [], []
    for s in SEEDS:
        from umap import UMAP

        umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=s)
        topics, _ = BERTopic(umap_model=umap).fit_transform(texts, vectors)
        scores.append(ami(truth, list(topics)))
        coverage.append(np.mean(np.array(topics) >= 0))
        counts.append(len(set(topics) - {-1}))
    print(
        f"| peer: BERTopic (MiniLM, UMAP+HDBSCAN defaults) | {int(np.median(counts))} | {np.mean(coverage):.0%} | "
        f"{np.mean(scores):.3f} ± {np.std(scores):.3f} | | |"
    )


def shipped_definition() -> DialogueDefinition | None:
    """The dialogue file the app ships, when this checkout has it (its keys use "-" where ours use "_")."""
    try:
        from workingup.dialogues import load_definition
    except ImportError:
        return None
    definition: DialogueDefinition = load_definition()
    return definition


def focus_table(methods: list[Method]) -> None:
    definitions = [("test definition (tests/themes/fixtures.py)", WORKING_UP)]
    if (shipped := shipped_definition()) is not None:
        definitions.append(("shipped working_up.toml", shipped))
    for title, definition in definitions:
        focus_rows(methods, title, definition)


def focus_rows(methods: list[Method], title: str, definition: DialogueDefinition) -> None:
    contributions = sample_contributions()
    topics = sample_topics()
    expected = topic_focus_areas()
    fitting = [t for t, (area, _) in expected.items() if area]
    unfit = [t for t, (area, _) in expected.items() if not area]
    with_inquiry = [t for t in fitting if expected[t][1]]
    print(f"\n## Focus-area placement of the hand-grouped topics, {title}\n")
    print(
        "| method | best focus area as expected | assigned as expected | inquiry area as expected | no-fit left out |"
    )
    print("|---|---|---|---|---|")
    for method in methods:
        result = themes_from_groups(contributions, {c.id: topics[c.id] for c in contributions}, method=method)
        by_topic = {
            topics[t.members[0]]: m
            for t, m in zip(result.themes, map_to_focus_areas(result, definition, method=method), strict=True)
        }

        def key(value: str | None) -> str | None:
            return value.replace("-", "_") if value else None

        best = sum(key(by_topic[t].focus_scores[0][0]) == expected[t][0] for t in fitting)
        assigned = sum(key(by_topic[t].focus_area) == expected[t][0] for t in fitting)
        # The shipped file names inquiry areas more briefly ("access" for our "career_access").
        inquiry = sum(
            (found := key(by_topic[t].inquiry_area)) is not None and str(expected[t][1]).endswith(found)
            for t in with_inquiry
        )
        left_out = sum(by_topic[t].focus_area is None for t in unfit)
        print(
            f"| {method} | {best}/{len(fitting)} | {assigned}/{len(fitting)} | {inquiry}/{len(with_inquiry)} | "
            f"{left_out}/{len(unfit)} |"
        )


def march_on_table(methods: list[Method]) -> None:
    if not MARCH_ON.exists():
        print(f"\n(skipped march-on: {MARCH_ON} not found)")
        return
    with open(MARCH_ON, newline="", encoding="utf-8") as handle:
        contributions = [
            Contribution(int(r["comment-id"]), r["comment-body"]) for r in csv.DictReader(handle)
        ]
    print(f"\n## march-on.operation-marchin-orders ({len(contributions)} real statements)\n")
    print("| method | themes | coverage | quotes not verbatim | re-run identical | time (best of 2) |")
    print("|---|---|---|---|---|---|")
    for method in methods:
        times, results = [], []
        for _ in range(2):
            stem.cache_clear()  # both runs cold, as in a new process
            start = time.perf_counter()
            results.append(find_themes(contributions, method=method))
            times.append(time.perf_counter() - start)
        result = results[0]
        same = results[0].to_json() == results[1].to_json()
        bad = len(result.unverified_quotes(contributions))
        print(
            f"| {method} | {len(result.themes)} | {result.coverage:.1%} | {bad} | {same} | {min(times):.1f} s |"
        )
    print("\nLargest themes (tfidf):")
    for theme in find_themes(contributions).themes[:8]:
        print(f"- {theme.label} ({theme.size}): “{theme.quotes[0].text[:100]}”")


def main() -> None:
    methods: list[Method] = ["tfidf", "minilm"] if embeddings_available() else ["tfidf"]
    sample_table(methods)
    focus_table(methods)
    march_on_table(methods)


if __name__ == "__main__":
    main()
