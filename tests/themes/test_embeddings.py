"""The optional sentence-embedding method ("minilm"): skipped only where the extra is not installed, never in CI."""

import numpy as np
import pytest

from tests.themes.test_duplicates import precision_recall
from tests.themes.test_find import agreement, check_result
from tests.themes.test_focus import check_mapping, mapped_topics
from workingup.themes import NearDuplicateIndex, find_themes
from workingup.themes.embed import embed


def test_vectors_are_unit_length_and_put_paraphrases_closer(minilm):
    vectors = embed(
        ["I can't afford daycare.", "Child care costs too much for me.", "The bus never comes on Sunday."],
        method=minilm,
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


@pytest.mark.slow
def test_sample_themes_with_embeddings(minilm, sample, topics):
    result = find_themes(sample, method=minilm)
    check_result(result, sample)
    assert result.method == "minilm"
    assert result.coverage >= 0.9
    # Sentence embeddings agree with the hand labels much more than words alone (~0.45 vs ~0.2).
    assert agreement(result, sample, topics) > 0.35
    assert agreement(result, sample, topics) > agreement(find_themes(sample), sample, topics) + 0.1
    assert find_themes(sample, method=minilm).to_json() == result.to_json()


def test_duplicates_with_embeddings(minilm):
    precision, recall = precision_recall(minilm)
    assert precision >= 0.75
    assert recall >= 0.75
    index = NearDuplicateIndex(["Payday lending should be outlawed."], method=minilm)
    assert index.is_duplicate("Payday lenders should be banned.")
    assert not index.is_duplicate("Bus fares should be free for job seekers.")


@pytest.mark.slow
def test_focus_areas_with_embeddings(minilm, sample, topics):
    check_mapping(mapped_topics(sample, topics, method=minilm), min_best=9, min_inquiry=5)


def test_extended_index_reuses_vectors(minilm):
    index = NearDuplicateIndex(["Payday lending should be outlawed."], ids=["a"], method=minilm)
    grown = index.extended(["Bus fares should be free for job seekers."], ids=["b"])
    assert grown.method == minilm
    assert [m.id for m in grown.query("Payday lenders should be banned.")] == ["a"]
    assert [m.id for m in grown.query("Job seekers should ride the bus for free.")] == ["b"]
    assert np.allclose(grown.similarities(["Payday lending should be outlawed."])[0, 0], 1.0, atol=1e-5)


def test_preferred_method_is_minilm_when_installed(minilm):
    from workingup.themes import preferred_method

    assert preferred_method() == minilm
