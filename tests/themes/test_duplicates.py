import itertools

import numpy as np
import pytest

from tests.themes.fixtures import paraphrase_pairs
from workingup.themes import NearDuplicateIndex


def precision_recall(method="tfidf"):
    """On the held-out half of the pairs, inside one index of every statement (as in a real conversation)."""
    pairs = paraphrase_pairs()
    texts = sorted({p["a"] for p in pairs} | {p["b"] for p in pairs})
    index = NearDuplicateIndex(texts, method=method)
    scores = index.similarities(texts)
    at = {t: i for i, t in enumerate(texts)}
    test = [p for p in pairs if p["split"] == "test" and p["relation"] != "negation"]
    flagged = [scores[at[p["a"]], at[p["b"]]] >= index.threshold for p in test]
    true = [p["relation"] == "paraphrase" for p in test]
    hits = sum(f and t for f, t in zip(flagged, true, strict=True))
    return hits / max(sum(flagged), 1), hits / sum(true)


def test_tfidf_precision_and_recall_on_held_out_pairs():
    precision, recall = precision_recall()
    assert precision >= 0.6  # same-topic non-pairs are hard for words alone; figures in benchmarks/themes
    assert recall >= 0.5


def test_query_returns_close_texts_best_first_with_ids():
    index = NearDuplicateIndex(
        ["Payday lenders should be banned.", "Bus fares should be free.", "Ban payday lenders now."],
        ids=["s1", "s2", "s3"],
    )
    matches = index.query("Payday lenders should be banned!")
    assert [m.id for m in matches][:1] == ["s1"]
    assert matches[0].similarity == pytest.approx(1.0)
    assert all(a.similarity >= b.similarity for a, b in itertools.pairwise(matches))
    assert "s2" not in [m.id for m in matches]
    assert index.is_duplicate("payday lenders should be banned")
    assert not index.is_duplicate("Bus routes should run on Sundays to the warehouses.")


def test_new_words_lower_the_similarity():
    index = NearDuplicateIndex(["Child care should be affordable.", "Rent is too high."])
    plain = index.similarities(["Child care should be affordable."])[0, 0]
    padded = index.similarities(
        ["Child care should be affordable, and employers must pay overtime for clopens."]
    )[0, 0]
    assert plain == pytest.approx(1.0)
    assert padded < 0.7


def test_pairs_lists_duplicates_within_the_index():
    texts = [
        "Raise the minimum wage.",
        "The minimum wage should be raised.",
        "Fix the buses.",
        "Raise the minimum wage!",
    ]
    pairs = NearDuplicateIndex(texts).pairs()
    assert (0, 3) in [(i, j) for i, j, _ in pairs]
    assert all(i < j for i, j, _ in pairs)
    assert 2 not in {k for i, j, _ in pairs for k in (i, j)}


def test_edge_cases():
    empty = NearDuplicateIndex([])
    assert empty.query("anything") == []
    assert len(empty) == 0
    unreadable = NearDuplicateIndex(["...", "!!"])
    assert unreadable.query("...") != [] or unreadable.query("...") == []  # must not crash
    with pytest.raises(ValueError, match="ids"):
        NearDuplicateIndex(["a"], ids=[1, 2])
    with pytest.raises(ValueError, match="unknown method"):
        NearDuplicateIndex(["a"], method="bm25")  # type: ignore[arg-type]


def test_extended_index_finds_the_new_statement_and_leaves_the_old_one_alone():
    index = NearDuplicateIndex(["Payday lenders should be banned."], ids=[1])
    grown = index.extended(["Bus fares should be free for job seekers."], ids=[2])
    assert [m.id for m in grown.query("Bus fares should be free for people looking for work.")] == [2]
    assert len(index) == 1
    assert len(grown) == 2
    with pytest.raises(ValueError, match="ids"):
        index.extended(["x"])


def test_cross_similarities_match_a_refit_index() -> None:
    """Texts added after an index was built, weighed by its word rarity, score as a refit index would score them."""
    from workingup.dialogues import load_definition

    texts = [s.text for s in load_definition().statements]
    assert len(texts) > 60
    base, recent = texts[:50], texts[50:]  # 23 new beside 50: within REFIT_AFTER
    queries = [t.replace("should", "must") for t in recent]
    cached = NearDuplicateIndex(base).cross_similarities(queries, recent)
    refit = NearDuplicateIndex(texts).similarities(queries)[:, len(base) :]
    assert np.abs(cached - refit).max() < 0.05
    threshold = NearDuplicateIndex(base).threshold
    assert ((cached >= threshold) == (refit >= threshold)).all()
    assert NearDuplicateIndex(base).cross_similarities(queries, []).shape == (len(queries), 0)
