import json
from dataclasses import replace

import pytest

from workingup.themes import Contribution, Quote, Theme, ThemeResult


def result() -> ThemeResult:
    quote = Quote("a", "Daycare costs", 0, 13, "P1")
    theme = Theme(1, "daycare", ("daycare",), ("a", "b"), (quote,), 0.5)
    return ThemeResult("tfidf", 0, (theme,), ("c",), 3)


def test_json_is_plain_and_round_trips():
    data = json.loads(result().to_json())
    assert data["themes"][0]["size"] == 2
    assert data["themes"][0]["quotes"][0] == {
        "contribution_id": "a",
        "text": "Daycare costs",
        "start": 0,
        "end": 13,
        "speaker": "P1",
    }
    assert data["coverage"] == pytest.approx(2 / 3)
    assert ThemeResult.from_json(result().to_json()) == result()


def test_an_unknown_format_version_is_refused():
    data = result().to_dict()
    data["format_version"] = 99
    with pytest.raises(ValueError, match="not supported"):
        ThemeResult.from_dict(data)


def test_assignments_and_lookup():
    assert result().assignments() == {"a": 1, "b": 1, "c": None}
    assert result().theme(1).label == "daycare"
    with pytest.raises(KeyError):
        result().theme(2)


def test_unverified_quotes_catches_an_edited_or_dangling_quote():
    contributions = [
        Contribution("a", "Daycare costs too much"),
        Contribution("b", "x"),
        Contribution("c", "y"),
    ]
    assert result().unverified_quotes(contributions) == []
    edited = [replace(contributions[0], text="Day care costs too much"), *contributions[1:]]
    assert len(result().unverified_quotes(edited)) == 1
    assert len(result().unverified_quotes(contributions[1:])) == 1
