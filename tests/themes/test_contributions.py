from datetime import date

import pytest

from workingup.themes import ILLUSTRATIVE_NOTE, Contribution, ListeningSession, sample_session
from workingup.themes.contributions import MAX_CONTRIBUTION_CHARS


def test_a_contribution_needs_text_of_sensible_length():
    with pytest.raises(ValueError, match="no text"):
        Contribution(1, "   ")
    with pytest.raises(ValueError, match="at most"):
        Contribution(1, "x" * (MAX_CONTRIBUTION_CHARS + 1))


def test_session_validates_and_lists_speakers():
    contributions = (
        Contribution(1, "a", speaker="P2"),
        Contribution(2, "b", speaker="P1"),
        Contribution(3, "c"),
    )
    session = ListeningSession(
        date(2024, 5, 1), "Library, Dayton", "R. Diaz", True, contributions=contributions
    )
    assert session.speakers == ("P2", "P1")
    assert session.quotable
    assert not ListeningSession(date(2024, 5, 1), "Phone", "R. Diaz", False).quotable
    with pytest.raises(ValueError, match="place"):
        ListeningSession(date(2024, 5, 1), " ", "R. Diaz", True)
    with pytest.raises(ValueError, match="duplicate contribution id 1"):
        ListeningSession(
            date(2024, 5, 1), "x", "y", True, contributions=(Contribution(1, "a"), Contribution(1, "b"))
        )


def test_the_shipped_sample_is_marked_illustrative_and_sized_for_a_session(topics):
    session = sample_session()
    assert session.notes == ILLUSTRATIVE_NOTE
    assert "illustrative" in session.place.lower()
    assert 150 <= len(session.contributions) <= 300
    assert len(session.speakers) >= 40
    assert all(c.speaker for c in session.contributions)
    assert {c.id for c in session.contributions} == set(topics)  # every contribution has a hand label
    assert len(set(topics.values())) == 13
