"""The shipped Working Up dialogue: what docs/architecture.md §1 says it is, with a seed set wide enough to analyse."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from workingup.dialogues import DefinitionError, load_definition
from workingup.domain import StatementKind


def test_focus_areas_and_inquiry_areas_are_those_of_the_design() -> None:
    d = load_definition()
    assert d.title == "Working Up: A Convergence Dialogue for Action to Increase Economic Mobility"
    assert [(fa.title, [ia.title for ia in fa.inquiry_areas]) for fa in d.focus_areas] == [
        (
            "Work Opportunity and Workforce Development",
            ["Post-secondary and career readiness", "Career access", "Career success and resiliency"],
        ),
        (
            "Creating and Enhancing Quality Work",
            [
                "Conditions of work that enhance mobility (child care, paid leave, scheduling practices)",
                "Responsibility shared across workers, employers, intermediaries, government and others",
            ],
        ),
        (
            "Building and Maintaining Financial Security",
            [
                "Savings and debt reduction",
                "Financial skills",
                "Affordability of education and training",
                "Reduction of income volatility",
            ],
        ),
    ]


def test_table_composition_is_the_balanced_thirty() -> None:
    sectors = {s.key: s.seats for s in load_definition().sectors}
    assert sum(sectors.values()) == 30
    assert set(sectors) == {
        "employers",
        "worker_advocates",
        "workforce_development",
        "higher_education",
        "faith",
        "community_practice",
        "policy",
    }
    assert sectors["policy"] % 2 == 0  # left- and right-leaning policy voices in equal number


def test_seed_statements_cover_every_focus_area_kind_side_and_horizon() -> None:
    statements = load_definition().statements
    assert len(statements) >= 60
    by_cell = Counter((s.focus_area, s.kind) for s in statements)
    for focus in ("work-opportunity", "quality-work", "financial-security"):
        for kind in StatementKind:
            assert by_cell[(focus, kind)] >= 3, (focus, kind)
    appeals = Counter(s.appeal for s in statements)
    assert appeals["left"] >= 10
    assert appeals["right"] >= 10
    assert appeals["both"] >= 15
    assert abs(appeals["left"] - appeals["right"]) <= 2
    horizons = Counter(s.horizon for s in statements if s.kind == StatementKind.PROPOSAL)
    assert horizons.keys() >= {"near_term", "new_approaches"}
    text = " ".join(s.text.lower() for s in statements)
    for topic in (
        "apprenticeship",
        "portable benefits",
        "schedule",
        "child care",
        "emergency savings",
        "income-smoothing",
        "licens",
        "credential",
        "returning citizens",
        "long-term unemployed",
    ):
        assert topic in text, topic


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('slug = "x"\ntitle = "X"\n', "at least one focus area"),
        (
            'slug="x"\ntitle="X"\n[[focus_areas]]\nkey="a"\ntitle="A"\n[[statements]]\nfocus_area="b"\nkind="fact"\ntext="t"\n',
            "statements[1]: unknown focus_area 'b'",
        ),
        (
            'slug="x"\ntitle="X"\n[[focus_areas]]\nkey="a"\ntitle="A"\n[[statements]]\nfocus_area="a"\nkind="wish"\ntext="t"\n',
            "statements[1]: 'wish' is not a valid StatementKind",
        ),
        ("slug = [", "not valid TOML"),
    ],
)
def test_broken_definitions_are_reported_with_their_place(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(content)
    with pytest.raises(DefinitionError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_definition(path)


def test_unknown_shipped_name() -> None:
    with pytest.raises(DefinitionError, match="no shipped dialogue called 'nope'"):
        load_definition("nope")
