"""The endorsement round: stances, the adoption rules, blocks that are never hidden, results by sector and leaning."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.agenda import DRAFT, demo_table, dialogue
from workingup.domain import AdoptionRule, Outcome, Role, Stance
from workingup.runtime.database import Database
from workingup.services import endorsements, recommendations
from workingup.services.disclosure import MIN_GROUP
from workingup.services.errors import Conflict, NotFound, ServiceError
from workingup.store import models

E, R, A, B = Stance.ENDORSE, Stance.RESERVATIONS, Stance.STAND_ASIDE, Stance.BLOCK


def counts(**given: int) -> dict[Stance, int]:
    return {s: given.get(s.value, 0) for s in Stance}


@pytest.mark.parametrize(
    ("rule", "threshold", "stances", "no_answer", "open_", "outcome"),
    [
        (AdoptionRule.UNANIMITY, None, counts(endorse=28, stand_aside=2), 0, True, Outcome.ADOPTED),
        (AdoptionRule.UNANIMITY, None, counts(endorse=27, reservations=3), 0, False, Outcome.ADOPTED),
        (AdoptionRule.UNANIMITY, None, counts(endorse=29, block=1), 0, True, Outcome.BLOCKED),
        (AdoptionRule.UNANIMITY, None, counts(endorse=20, block=1), 9, True, Outcome.BLOCKED),
        (AdoptionRule.UNANIMITY, None, counts(endorse=29), 1, True, Outcome.PENDING),
        (AdoptionRule.UNANIMITY, None, counts(endorse=29), 1, False, Outcome.NOT_ADOPTED),
        (AdoptionRule.UNANIMITY, None, counts(stand_aside=30), 0, False, Outcome.NOT_ADOPTED),
        (
            AdoptionRule.THRESHOLD,
            0.75,
            counts(endorse=20, block=1, stand_aside=2),
            7,
            False,
            Outcome.NOT_ADOPTED,
        ),  # 20/28
        (AdoptionRule.THRESHOLD, 0.75, counts(endorse=21, stand_aside=2), 7, True, Outcome.ADOPTED),  # 21/28
        (AdoptionRule.THRESHOLD, 0.75, counts(endorse=20, block=2), 8, True, Outcome.PENDING),
        (AdoptionRule.THRESHOLD, 0.75, counts(endorse=26, block=4), 0, False, Outcome.ADOPTED),
        (AdoptionRule.THRESHOLD, 0.9, counts(endorse=26, block=4), 0, False, Outcome.NOT_ADOPTED),
    ],
)
def test_adoption_rules(
    rule: AdoptionRule, threshold: float | None, stances: dict, no_answer: int, open_: bool, outcome: Outcome
) -> None:
    decided, why = endorsements.decide(
        rule, threshold, stances, table_size=30, no_answer=no_answer, open=open_
    )
    assert decided == outcome, why
    if stances[Stance.BLOCK]:
        assert "block" in why  # a block is never left out of the explanation


def _round_with(database: Database, n_recommendations: int = 2) -> tuple:
    table, analysis = demo_table(database)
    with database.transaction() as session:
        d = dialogue(session, table)
        for sid in table.converged[:n_recommendations]:
            recommendations.draft(
                session, d, statement_ids=[sid], analysis=analysis, focus_area=d.focus_areas[0].key, **DRAFT
            )
        endorsements.open_round(session, d, AdoptionRule.UNANIMITY)
    return table, analysis


def test_one_block_stops_adoption_under_unanimity_and_is_published(database: Database) -> None:
    table, _ = _round_with(database)
    with database.transaction() as session:
        d = dialogue(session, table)
        for i, pid in enumerate(table.stakeholders):
            endorsements.record(
                session, d, pid, "R1", R if i == 0 else E, "Only if it is funded" if i == 0 else ""
            )
            endorsements.record(
                session,
                d,
                pid,
                "R2",
                B if i == 1 else A if i == 2 else E,
                "Harms small firms" if i == 1 else "",
            )
        endorsements.set_name_consent(
            session, session.get_one(models.Participant, table.stakeholders[0]), True
        )
    with database.sessions() as session:
        outcome = endorsements.results(session, dialogue(session, table))
        blocker = session.get_one(models.Participant, table.stakeholders[1])
    first, second = outcome.result(1), outcome.result(2)
    assert first.outcome == Outcome.ADOPTED
    assert first.supporting == 30
    assert [(r.text, r.name is not None) for r in first.reservations] == [("Only if it is funded", True)]
    assert second.outcome == Outcome.BLOCKED
    assert second.counts[Stance.BLOCK] == 1
    assert second.counts[Stance.STAND_ASIDE] == 1
    assert [b.text for b in second.blocks] == ["Harms small firms"]
    assert second.blocks[0].name is None  # the blocker did not consent to be named
    assert blocker.display_name not in repr(second)
    for breakdown in (second.by_sector, second.by_leaning):
        assert sum(p.size for p in breakdown.pools) == 30
        assert all(p.size >= MIN_GROUP for p in breakdown.pools)
        assert sum(c.get("block", 0) for c in breakdown.counts.values()) == 1  # pooled, never dropped


def test_a_changed_mind_counts_and_a_revision_asks_again(database: Database) -> None:
    table, _ = _round_with(database, 1)
    with database.transaction() as session:
        d = dialogue(session, table)
        for pid in table.stakeholders:
            endorsements.record(session, d, pid, 1, E)
        endorsements.record(session, d, table.stakeholders[4], 1, B, "Changed my mind")
        endorsements.record(session, d, table.stakeholders[4], 1, E)
        assert endorsements.results(session, d).result(1).outcome == Outcome.ADOPTED
        recommendations.revise(session, d, 1, text="A new wording", note="after comments")
        after = endorsements.results(session, d).result(1)
    assert after.outcome == Outcome.PENDING
    assert after.stale == 30
    assert after.no_answer == 30
    assert after.version == 2


def test_only_stakeholders_endorse_and_reasons_are_required(database: Database) -> None:
    table, _ = _round_with(database, 1)
    with database.transaction() as session:
        d = dialogue(session, table)
        advisor = session.query(models.Participant).filter_by(dialogue_id=d.id, role=Role.ADVISOR).first()
        assert advisor is not None
        with pytest.raises(ServiceError, match="not a stakeholder"):
            endorsements.record(session, d, advisor.id, 1, E)
        with pytest.raises(ServiceError, match="reason"):
            endorsements.record(session, d, table.stakeholders[0], 1, B, "  ")
        with pytest.raises(ServiceError, match="reservations"):
            endorsements.record(session, d, table.stakeholders[0], 1, R)
        with pytest.raises(ServiceError, match="stance is one of"):
            endorsements.record(session, d, table.stakeholders[0], 1, "maybe")
        with pytest.raises(NotFound, match="no participant"):
            endorsements.record(session, d, "nobody", 1, E)
        with pytest.raises(NotFound, match="R9"):
            endorsements.record(session, d, table.stakeholders[0], 9, E)
        with pytest.raises(Conflict, match="still open"):
            endorsements.open_round(session, d, AdoptionRule.UNANIMITY)
        endorsements.close_round(session, d)
        with pytest.raises(ServiceError, match="no open endorsement round"):
            endorsements.record(session, d, table.stakeholders[0], 1, E)
        with pytest.raises(ServiceError, match="threshold"):
            endorsements.open_round(session, d, AdoptionRule.THRESHOLD, threshold=1.5)


def test_a_closed_round_without_every_answer_is_not_adopted_and_threshold_rounds_count_shares(
    database: Database,
) -> None:
    table, _ = _round_with(database, 1)
    with database.transaction() as session:
        d = dialogue(session, table)
        for pid in table.stakeholders[:29]:
            endorsements.record(session, d, pid, 1, E)
        endorsements.close_round(session, d)
        assert endorsements.results(session, d).result(1).outcome == Outcome.NOT_ADOPTED
        endorsements.open_round(session, d, AdoptionRule.THRESHOLD, threshold=0.8)
        for i, pid in enumerate(table.stakeholders):
            endorsements.record(session, d, pid, 1, B if i < 5 else E, "No" if i < 5 else "")
        result = endorsements.results(session, d)
    assert result.rule == AdoptionRule.THRESHOLD
    assert result.result(1).outcome == Outcome.ADOPTED  # 25 of 30 ≥ 80%, the blocks shown all the same
    assert len(result.result(1).blocks) == 5


def test_a_paper_round_imports_all_or_nothing(database: Database, tmp_path: Path) -> None:
    table, _ = _round_with(database, 1)
    with database.sessions() as session:
        external = [session.get_one(models.Participant, p).external_id for p in table.stakeholders[:3]]
    good = tmp_path / "round.csv"
    good.write_text(
        "participant,recommendation,stance,text\n"
        f"{external[0]},R1,endorse,\n{external[1]},R1,reservations,Needs funding\n{external[2]},1,stand_aside,\n"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"participant,recommendation,stance,text\n{external[0]},R1,endorse,\n{external[1]},R1,block,\n"
    )
    with database.transaction() as session:
        d = dialogue(session, table)
        assert len(endorsements.import_stances(session, d, good)) == 3
    with database.transaction() as session:
        d = dialogue(session, table)
        with pytest.raises(ServiceError, match=r"bad\.csv, line 3: a block needs its reason"):
            endorsements.import_stances(session, d, bad)
        result = endorsements.results(session, d).result(1)
    assert result.counts[Stance.ENDORSE] == 1
    assert result.counts[Stance.BLOCK] == 0
    assert result.counts[Stance.RESERVATIONS] == 1
    assert result.counts[Stance.STAND_ASIDE] == 1
    missing = tmp_path / "missing.csv"
    missing.write_text("who,recommendation,stance\n")
    with database.transaction() as session, pytest.raises(ServiceError, match="missing column"):
        endorsements.import_stances(session, dialogue(session, table), missing)
