import numpy as np

from workingup.themes import Contribution
from workingup.themes.quotes import MAX_QUOTE_CHARS, pick_quotes, quote_of


def test_a_long_contribution_is_quoted_by_its_sentence_on_the_theme():
    filler = "I have worked at the plant for a long time and seen many managers come and go. " * 3
    text = filler + "The daycare closes at six and my shift ends at seven. " + filler
    quote = quote_of(Contribution(1, text), {"daycar", "shift"})
    assert quote.text == "The daycare closes at six and my shift ends at seven."
    assert text[quote.start : quote.end] == quote.text


def test_a_short_contribution_is_quoted_whole():
    text = "Child care costs too much. I pay half my check."
    assert len(text) < MAX_QUOTE_CHARS
    assert quote_of(Contribution("a", text, speaker="P1"), set()).text == text


def test_quotes_spread_over_speakers_and_skip_repeats():
    contributions = [
        Contribution(0, "Child care is too expensive.", speaker="P1"),
        Contribution(1, "Child care is too expensive.", speaker="P2"),
        Contribution(2, "Child care costs too much here.", speaker="P1"),
        Contribution(3, "We cannot afford child care.", speaker="P3"),
    ]
    vectors = np.eye(4)[[0, 0, 1, 2]] * 0.6 + 0.8 * np.eye(4)[[3, 3, 3, 3]]
    similarity = np.array([0.9, 0.9, 0.8, 0.7])
    quotes = pick_quotes(np.arange(4), vectors, similarity, contributions, ["child care"], limit=3)
    assert [q.contribution_id for q in quotes] == [0, 3, 2]
