import itertools

from hypothesis import given
from hypothesis import strategies as st

from workingup.themes.text import SurfaceForms, analyze, content_words, sentence_spans, stem


def sentences(text):
    return [text[a:b] for a, b in sentence_spans(text)]


def test_sentences_are_verbatim_spans():
    text = "My shift starts at 5 a.m. and no daycare opens. Who watches my kids?  I pay cash!\nNext line"
    assert sentences(text) == [
        "My shift starts at 5 a.m. and no daycare opens.",
        "Who watches my kids?",
        "I pay cash!",
        "Next line",
    ]


def test_sentence_ends_with_closing_quote():
    assert sentences('She said "no more overtime." Then she left.') == [
        'She said "no more overtime."',
        "Then she left.",
    ]


@given(st.text(max_size=200))
def test_any_text_splits_into_trimmed_in_order_substrings(text):
    spans = sentence_spans(text)
    assert all(a < b for a, b in spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in itertools.pairwise(spans))
    for a, b in spans:
        assert text[a:b] == text[a:b].strip()
    # Splitting only ever drops white space between sentences.
    assert "".join("".join(text[a:b].split()) for a, b in spans) == "".join(text.split())


def test_words_stem_and_pair():
    assert content_words("I can't afford the daycare, it's $900!") == ["afford", "daycare"]
    assert stem("scheduling") == stem("schedules")
    assert stem("care") != stem("car")
    assert analyze("child care costs") == ["child", "care", "cost", "child care", "care cost"]


def test_surface_forms_pick_the_most_common_spelling():
    forms = SurfaceForms().update(["Child care is hard", "child care again", "childcare costs"])
    assert forms["child care"] == "child care"
    assert forms[stem("costs")] == "costs"
    assert forms["never seen"] == "never seen"
