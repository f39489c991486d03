import csv
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_mutual_info_score

from workingup.themes import Contribution, ThemeResult, find_themes, themes_from_groups


def agreement(result: ThemeResult, contributions, labels) -> float:
    assigned = result.assignments()
    predicted = [assigned[c.id] if assigned[c.id] is not None else -1 for c in contributions]
    return adjusted_mutual_info_score([labels[c.id] for c in contributions], predicted)


def check_result(result: ThemeResult, contributions) -> None:
    """The promises every result keeps: one home per contribution, verbatim quotes, 3–5 of them."""
    homes = [cid for theme in result.themes for cid in theme.members] + list(result.other)
    assert sorted(map(str, homes)) == sorted(str(c.id) for c in contributions)
    assert result.unverified_quotes(contributions) == []
    texts = {c.id: c.text for c in contributions}
    for theme in result.themes:
        assert 3 <= len(theme.quotes) <= 5
        assert theme.label
        assert theme.key_terms
        assert len({q.contribution_id for q in theme.quotes}) == len(theme.quotes)
        for quote in theme.quotes:
            assert quote.contribution_id in theme.members
            assert quote.text in texts[quote.contribution_id]
    sizes = [theme.size for theme in result.themes]
    assert sizes == sorted(sizes, reverse=True)
    assert [theme.id for theme in result.themes] == list(range(1, len(result.themes) + 1))


def test_sample_themes_cover_nearly_everything_with_verbatim_quotes(sample, topics):
    result = find_themes(sample)
    check_result(result, sample)
    assert result.coverage >= 0.9
    assert 8 <= len(result.themes) <= 20
    # Lexical themes on 204 short texts agree only loosely with hand labels (~0.2, see
    # benchmarks/themes/README.md), but clearly more than chance.
    assert agreement(result, sample, topics) > 0.15


def test_rerunning_gives_the_same_themes_and_json_round_trips(sample):
    first = find_themes(sample, random_state=3)
    assert find_themes(sample, random_state=3).to_json() == first.to_json()
    assert ThemeResult.from_json(first.to_json()) == first


def test_order_of_input_does_not_change_the_themes(sample):
    shuffled = list(sample)
    random.Random(1).shuffle(shuffled)
    a, b = find_themes(sample), find_themes(shuffled)
    assert a.themes == b.themes
    order = {c.id: i for i, c in enumerate(shuffled)}
    assert list(b.other) == sorted(a.other, key=order.__getitem__)


def test_planted_topics_are_recovered():
    rng = random.Random(5)
    vocab = {
        "care": ["daycare", "sitter", "toddler", "preschool", "babysitter", "nursery", "infant", "caregiver"],
        "bus": ["bus", "route", "transit", "fare", "transfer", "stop", "driver", "commute"],
        "loan": ["loan", "lender", "interest", "payday", "collector", "overdraft", "balance", "borrowed"],
        "shift": ["shift", "schedule", "manager", "hours", "roster", "overtime", "clopen", "weekend"],
    }
    contributions, labels = [], {}
    for topic, words in vocab.items():
        for i in range(40):
            text = "I said that " + " and ".join(rng.sample(words, 4)) + " matter to me."
            cid = f"{topic}-{i}"
            contributions.append(Contribution(cid, text))
            labels[cid] = topic
    result = find_themes(contributions, n_themes=4)
    check_result(result, contributions)
    assert agreement(result, contributions, labels) > 0.9
    assert result.coverage == 1.0


def test_contributions_with_no_readable_words_go_to_other():
    contributions = [
        Contribution(i, f"Child care costs too much for family {w}") for i, w in enumerate("abcdefgh")
    ]
    contributions += [Contribution("dots", "..."), Contribution("num", "42 42")]
    result = find_themes(contributions, n_themes=1)
    assert set(result.other) >= {"dots", "num"}
    check_result(result, contributions)


def test_edge_cases():
    assert find_themes([]).themes == ()
    assert find_themes([]).coverage == 0.0
    with pytest.raises(ValueError, match="duplicate contribution id"):
        find_themes([Contribution(1, "a b c"), Contribution(1, "d e f")])
    with pytest.raises(ValueError, match="unknown method"):
        find_themes([Contribution(1, "a b c")], method="lda")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n_themes"):
        find_themes([Contribution(1, "a b c")], n_themes=0)
    tiny = find_themes([Contribution(1, "child care"), Contribution(2, "child care costs")])
    assert tiny.themes == ()
    assert set(tiny.other) == {1, 2}


def test_groups_made_by_hand_get_labels_and_quotes(sample, topics):
    result = themes_from_groups(sample, {c.id: topics[c.id] for c in sample})
    check_result(result, sample)
    assert result.coverage == 1.0
    assert len(result.themes) == len(set(topics.values()))
    by_topic = {topics[t.members[0]]: t for t in result.themes}
    assert "child care" in by_topic["child_care"].key_terms
    assert any("sick" in term for term in by_topic["paid_leave"].key_terms)
    with pytest.raises(ValueError, match="no group given"):
        themes_from_groups(sample, {})


def test_march_on_statements(polis_root):
    path = polis_root / "march-on.operation-marchin-orders" / "comments.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        contributions = [
            Contribution(int(r["comment-id"]), r["comment-body"]) for r in csv.DictReader(handle)
        ]
    assert len(contributions) == 2162
    result = find_themes(contributions)
    check_result(result, contributions)
    assert result.coverage >= 0.9
    assert find_themes(contributions).to_json() == result.to_json()


WORDS = [
    "child",
    "care",
    "bus",
    "shift",
    "rent",
    "loan",
    "training",
    "license",
    "sick",
    "leave",
    "hours",
    "pay",
    "boss",
    "kids",
    "car",
    "debt",
]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join),
        min_size=1,
        max_size=60,
    ),
    st.integers(0, 3),
)
def test_any_small_corpus_keeps_the_promises(texts, seed):
    contributions = [Contribution(i, t) for i, t in enumerate(texts)]
    result = find_themes(contributions, random_state=seed)
    homes = [cid for theme in result.themes for cid in theme.members] + list(result.other)
    assert sorted(homes) == list(range(len(texts)))
    assert result.unverified_quotes(contributions) == []
    assert all(1 <= len(t.quotes) <= 5 and t.size >= 3 for t in result.themes)
    assert find_themes(contributions, random_state=seed) == result
