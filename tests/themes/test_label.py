import numpy as np

from workingup.themes.embed import TermMatrix
from workingup.themes.label import key_terms, label_from
from workingup.themes.text import SurfaceForms

TEXTS = [
    "Child care costs more than rent.",
    "I can't find child care at night.",
    "Child care waitlist for a year.",
    "The child care center closed early.",
    "My bus is always late.",
    "The bus stops at seven.",
    "No bus on Sundays.",
    "Rent went up again.",
]


def terms_of(members):
    matrix = TermMatrix.build(TEXTS, min_df=1)
    presence = (matrix.counts > 0).astype(float).tocsr()
    rows = np.array(members)
    return key_terms(presence, matrix.terms, rows, forms=SurfaceForms().update(TEXTS[i] for i in rows))


def test_a_bigram_replaces_its_words():
    terms = terms_of([0, 1, 2, 3])
    assert terms[0] == "child care"
    assert "child" not in terms
    assert "care" not in terms


def test_terms_come_from_the_theme_and_set_it_apart():
    terms = terms_of([4, 5, 6])
    assert terms[0] == "bus"
    assert "child care" not in terms


def test_a_term_used_once_is_no_key_term():
    assert terms_of([7, 0]) == ("rent",)  # "rent" is in both; every other word in one text only


def test_label_joins_the_first_terms():
    assert label_from(("child care", "daycare", "nights", "cost")) == "child care, daycare, nights"
    assert label_from(()) == "(no distinctive words)"
