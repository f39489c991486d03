"""Action tracking: commitments, status changes in the log, milestones, evidence, CSV export, participants' view."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from tests.agenda import DRAFT, demo_table, dialogue
from workingup.domain import AdoptionRule, CommitmentStatus, Outcome, Stance
from workingup.runtime.database import Database
from workingup.services import endorsements, recommendations, tracking
from workingup.services.errors import NotFound, ServiceError
from workingup.services.log import activity
from workingup.store import models


def _adopted(database: Database) -> tuple:
    table, analysis = demo_table(database)
    with database.transaction() as session:
        d = dialogue(session, table)
        for sid in table.converged[:2]:
            recommendations.draft(
                session, d, statement_ids=[sid], analysis=analysis, focus_area=d.focus_areas[0].key, **DRAFT
            )
        endorsements.open_round(session, d, AdoptionRule.UNANIMITY)
        for pid in table.stakeholders:
            endorsements.record(session, d, pid, 1, Stance.ENDORSE)
    return table, analysis


def test_commitments_move_through_their_statuses_in_the_open(database: Database) -> None:
    table, _ = _adopted(database)
    with database.transaction() as session:
        d = dialogue(session, table)
        first = tracking.commit(
            session,
            d,
            "R1",
            actor="Acme Staffing",
            description="Host 40 apprentices",
            due_on=date(2027, 6, 30),
        )
        for pid in table.stakeholders:  # R2 adopted too
            endorsements.record(session, d, pid, 2, Stance.ENDORSE)
        second = tracking.commit(
            session, d, "R2", actor="State of Ohio", description="Pilot", participant=table.stakeholders[0]
        )
        tracking.set_status(session, d, first.id, CommitmentStatus.IN_PROGRESS, note="first cohort hired")
        milestone = tracking.add_milestone(session, d, first.id, "Recruit mentors", due_on=date(2027, 1, 31))
        tracking.add_milestone(session, d, first.id, "Sign partner schools")
        tracking.set_progress(session, d, milestone.id, 50)
        tracking.add_evidence(
            session,
            d,
            first.id,
            url="https://example.org/news",
            note="Press release",
            dated=date(2026, 12, 1),
        )
        tracking.set_status(session, d, second.id, "dropped", note="budget cut")
        with pytest.raises(ServiceError, match="already dropped"):
            tracking.set_status(session, d, second.id, CommitmentStatus.DROPPED, note="again")
        with pytest.raises(ServiceError, match="say why"):
            tracking.set_status(session, d, first.id, CommitmentStatus.DROPPED)
        with pytest.raises(ServiceError, match="status is one of"):
            tracking.set_status(session, d, first.id, "finished")
        with pytest.raises(ServiceError, match="0 to 100"):
            tracking.set_progress(session, d, milestone.id, 101)
        with pytest.raises(ServiceError, match="http"):
            tracking.add_evidence(session, d, first.id, url="javascript:alert(1)")
        with pytest.raises(ServiceError, match="link or a note"):
            tracking.add_evidence(session, d, first.id)
        with pytest.raises(NotFound):
            tracking.set_status(session, d, 999, "done")
    with database.sessions() as session:
        d = dialogue(session, table)
        board = tracking.tracker(session, d, today=date(2027, 7, 1))
        log = [a.message for a in activity(session, d, public_only=True)]
    rec1 = next(r for r in board.recommendations if r.number == 1)
    assert rec1.outcome == Outcome.ADOPTED
    assert board.recommendations[0].number == 1
    c = rec1.commitments[0]
    assert c.status == CommitmentStatus.IN_PROGRESS
    assert c.progress == 25
    assert c.overdue
    assert [e.note for e in c.evidence] == ["Press release"]
    assert board.status_counts()[CommitmentStatus.DROPPED] == 1
    assert any("planned → in progress: first cohort hired" in m for m in log)
    assert any("in progress" not in m and "dropped: budget cut" in m for m in log)
    assert any("0% → 50%" in m for m in log)


def test_tracker_csv_is_one_row_per_commitment_and_never_a_formula(database: Database) -> None:
    table, _ = _adopted(database)
    with database.transaction() as session:
        d = dialogue(session, table)
        tracking.commit(
            session, d, "R1", actor='=HYPERLINK("http://evil")', description="-2+3 <script>x</script>"
        )
        text = tracking.tracker_csv(tracking.tracker(session, d))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(tracking.CSV_COLUMNS)
    assert [r["recommendation"] for r in rows] == ["R1", "R2"]  # R2 has no commitment: one empty row
    assert rows[0]["actor"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["description"] == "'-2+3 <script>x</script>"
    assert rows[0]["status"] == "planned"
    assert rows[0]["outcome"] == "adopted"
    assert rows[1]["commitment"] == ""
    assert rows[1]["outcome"] == "pending"


def test_participants_see_what_became_of_the_statements_they_supported(database: Database) -> None:
    table, _ = _adopted(database)
    with database.transaction() as session:
        d = dialogue(session, table)
        tracking.commit(session, d, "R1", actor="Acme", description="Apprenticeships")
        rec = recommendations.get(session, d, 1)
        basis = rec.current.basis[0].statement_id
        supporter = session.scalars(
            models.CurrentVote.__table__.select()
            .where(models.CurrentVote.statement_id == basis, models.CurrentVote.value == 1)
            .with_only_columns(models.CurrentVote.participant_id)
        ).first()
        assert supporter is not None
        fates = tracking.statement_fates(session, d, supporter)
    fate = next(f for f in fates if f.statement_id == basis)
    assert fate.agreed
    assert not fate.wrote
    assert [r.number for r in fate.recommendations] == [1]
    assert fate.recommendations[0].commitments[0].actor == "Acme"
    assert fates[0].recommendations  # statements with a recommendation come first


def test_commitments_are_recorded_only_against_adopted_recommendations(database: Database) -> None:
    """Issue 19: commitments could be recorded against recommendations not adopted, and the public saw them."""
    table, analysis = demo_table(database)
    with database.transaction() as session:
        d = dialogue(session, table)
        for sid in table.converged[:2]:
            recommendations.draft(
                session, d, statement_ids=[sid], analysis=analysis, focus_area=d.focus_areas[0].key, **DRAFT
            )

    def refused(number: str, why: str) -> None:
        with pytest.raises(ServiceError, match=why), database.transaction() as session:
            tracking.commit(session, dialogue(session, table), number, actor="Acme", description="Do it")

    refused("R1", r"R1 has not been adopted \(no endorsement round yet\)")
    with database.transaction() as session:
        d = dialogue(session, table)
        endorsements.open_round(session, d, AdoptionRule.UNANIMITY)
        for i, pid in enumerate(table.stakeholders):
            endorsements.record(session, d, pid, 1, Stance.ENDORSE)
            endorsements.record(
                session,
                d,
                pid,
                2,
                Stance.BLOCK if i == 0 else Stance.ENDORSE,
                "Not like this" if i == 0 else "",
            )
    refused("R2", r"R2 has not been adopted \(not adopted \(blocked\)")
    with database.transaction() as session:
        tracking.commit(session, dialogue(session, table), "R1", actor="Acme", description="Do it")
    with database.sessions() as session:
        board = tracking.tracker(session, dialogue(session, table))
    assert {r.number: len(r.commitments) for r in board.recommendations} == {1: 1, 2: 0}
