"""Recommendations: drafted from statements with their figures copied, every version kept, bad input refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.agenda import DRAFT, demo_table, dialogue, same_focus
from workingup.domain import Horizon, Moderation, RecommendationType
from workingup.runtime.database import Database
from workingup.services import recommendations
from workingup.services.analysis import analyze_dialogue
from workingup.services.errors import NotFound, ServiceError
from workingup.services.log import activity
from workingup.store import models
from workingup.store.votes import insert_vote_events


def test_draft_copies_the_figures_of_the_statements_it_rests_on(database: Database) -> None:
    table, analysis = demo_table(database)
    with database.transaction() as session:
        d = dialogue(session, table)
        pair = same_focus(session, table.converged, 2)
        rec = recommendations.draft(session, d, statement_ids=pair, analysis=analysis, **DRAFT)
        texts = [session.get_one(models.Statement, s).text for s in pair]
    with database.sessions() as session:
        rec = recommendations.get(session, dialogue(session, table), 1)
        version = rec.current
        assert rec.number == 1
        assert version.number == 1
        assert version.text == " ".join(texts)  # merged wording by default
        assert [b.statement_id for b in version.basis] == pair
        j = analysis.convergence.statement_ids.tolist().index(pair[0])
        figures = recommendations.SupportSnapshot.from_dict(version.basis[0].figures)
        assert figures.verdict == "convergence"
        assert figures.agree == int(analysis.analysis.agree[j])
        assert figures.groups[0].lower == pytest.approx(float(analysis.convergence.groups.lower[0, j]))
        assert figures.intercept == pytest.approx(float(analysis.convergence.bridging.intercept[j]))
        assert {b.name for b in figures.blocs} == {"left", "right"}
        assert [a.kind for a in activity(session, dialogue(session, table))] == ["drafted"]


def test_the_record_does_not_move_when_votes_do(database: Database) -> None:
    table, analysis = demo_table(database)
    statement = table.converged[0]
    with database.transaction() as session:
        recommendations.draft(
            session, dialogue(session, table), statement_ids=[statement], analysis=analysis, **DRAFT
        )
    with database.sessions() as session:
        before = dict(recommendations.get(session, dialogue(session, table), 1).current.basis[0].figures)
    with database.transaction() as session:  # everyone now disagrees with it
        insert_vote_events(
            session,
            dialogue_id=table.dialogue_id,
            participant_ids=list(table.stakeholders),
            statement_ids=[statement] * len(table.stakeholders),
            values=[-1] * len(table.stakeholders),
            times=[datetime.now(UTC)] * len(table.stakeholders),
        )
    with database.sessions() as session:
        d = dialogue(session, table)
        after = recommendations.get(session, d, 1).current.basis[0].figures
        fresh = recommendations.snapshot_support(analyze_dialogue(session, d), statement)
    assert after == before
    assert fresh.disagree > before["disagree"]  # the analysis did move; the record did not


def test_revisions_keep_every_version_and_carry_over_what_is_not_changed(database: Database) -> None:
    table, analysis = demo_table(database)
    with database.transaction() as session:
        d = dialogue(session, table)
        recommendations.draft(
            session, d, statement_ids=[table.converged[0]], title="First", analysis=analysis, **DRAFT
        )
        recommendations.revise(session, d, 1, text="Reworded after the table's comments.", note="wording")
        recommendations.revise(
            session,
            d,
            1,
            kind=RecommendationType.PRIVATE_SECTOR,
            horizon=Horizon.NEW_APPROACHES,
            actors=["employers"],
        )
        with pytest.raises(ServiceError, match="nothing changed"):
            recommendations.revise(session, d, 1, actors=["employers"])
    with database.sessions() as session:
        rec = recommendations.get(session, dialogue(session, table), 1)
        assert [v.number for v in rec.versions] == [1, 2, 3]
        assert rec.versions[0].text != rec.versions[1].text == rec.versions[2].text
        assert rec.current.title == "First"
        assert rec.current.kind == RecommendationType.PRIVATE_SECTOR
        assert rec.versions[1].kind == RecommendationType.POLICY
        assert rec.current.basis[0].figures == rec.versions[0].basis[0].figures
        assert [a.kind for a in activity(session, dialogue(session, table))] == [
            "revised",
            "revised",
            "drafted",
        ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"actors": []}, "at least one actor"),
        ({"actors": ["employers", "Employers"]}, "listed twice"),
        ({"evidence": [{"text": "x", "url": "javascript:alert(1)"}]}, "http"),
        ({"evidence": [{"text": "", "url": ""}]}, "description or a link"),
        ({"focus_area": "nowhere"}, "no focus area"),
        ({"title": "x" * 301}, "300 characters"),
        ({"text": "   "}, "needs text"),
    ],
)
def test_bad_drafts_are_refused_with_the_reason(database: Database, change: dict, message: str) -> None:
    table, analysis = demo_table(database)
    with database.transaction() as session:
        arguments = {**DRAFT, **change}
        with pytest.raises(ServiceError, match=message):
            recommendations.draft(
                session,
                dialogue(session, table),
                statement_ids=[table.converged[0]],
                analysis=analysis,
                **arguments,
            )


def test_statements_must_exist_be_accepted_and_share_a_focus_area(database: Database) -> None:
    table, analysis = demo_table(database)
    with database.transaction() as session:
        d = dialogue(session, table)
        areas = {}
        for sid in table.converged:
            areas.setdefault(session.get_one(models.Statement, sid).focus_area_id, sid)
        mixed = list(areas.values())[:2]
        with pytest.raises(ServiceError, match="different focus areas"):
            recommendations.draft(session, d, statement_ids=mixed, analysis=analysis, **DRAFT)
        rec = recommendations.draft(
            session, d, statement_ids=mixed, focus_area=d.focus_areas[0].key, analysis=analysis, **DRAFT
        )
        assert rec.current.focus_area_id == d.focus_areas[0].id
        with pytest.raises(NotFound, match="no statement 999999"):
            recommendations.draft(session, d, statement_ids=[999999], analysis=analysis, **DRAFT)
        session.get_one(models.Statement, table.divided[0]).moderation = Moderation.REJECTED
        with pytest.raises(ServiceError, match="moderated out"):
            recommendations.draft(session, d, statement_ids=[table.divided[0]], analysis=analysis, **DRAFT)
        with pytest.raises(ServiceError, match="listed twice"):
            recommendations.draft(session, d, statement_ids=[mixed[0], mixed[0]], analysis=analysis, **DRAFT)


def test_candidates_are_the_converged_statements(database: Database) -> None:
    table, analysis = demo_table(database)
    with database.sessions() as session:
        found = recommendations.candidates(
            session, dialogue(session, table), analysis, verdicts=("convergence",)
        )
    assert {c.statement_id for c in found} == set(table.converged)
    supports = [c.cross_group_support for c in found]
    assert supports == sorted(supports, reverse=True)


def test_stored_candidates_are_those_of_the_stored_analysis(database: Database) -> None:
    """What the page and the API list: the latest stored run's candidates, the same as a fresh analysis of the
    same votes gives, and None (not an empty list) before any run is stored."""
    from workingup.services.analysis_runs import run_analysis

    table, analysis = demo_table(database)
    with database.transaction() as session:
        d = dialogue(session, table)
        assert recommendations.stored_candidates(session, d) is None
        assert run_analysis(session, d) is not None
    with database.sessions() as session:
        d = dialogue(session, table)
        stored = recommendations.stored_candidates(session, d)
        fresh = recommendations.candidates(session, d, analysis)
    assert stored is not None
    assert len(stored) >= len(table.converged)
    assert [(c.statement_id, c.verdict, c.focus_area) for c in stored] == [
        (c.statement_id, c.verdict, c.focus_area) for c in fresh
    ]
    assert [c.cross_group_support for c in stored] == pytest.approx([c.cross_group_support for c in fresh])


@pytest.mark.parametrize(("text", "number"), [("R3", 3), ("r12", 12), ("7", 7), (4, 4)])
def test_recommendation_references(text: str | int, number: int) -> None:
    assert recommendations.parse_number(text) == number


@pytest.mark.parametrize("text", ["R", "R0", "x3", "-1", "3.5"])
def test_bad_recommendation_references(text: str) -> None:
    with pytest.raises(ServiceError, match="named like R3"):
        recommendations.parse_number(text)


def test_a_withdrawn_recommendation_leaves_the_round_but_stays_on_record(database: Database) -> None:
    from workingup.domain import AdoptionRule
    from workingup.services import endorsements

    table, analysis = demo_table(database)
    with database.transaction() as session:
        d = dialogue(session, table)
        for sid in table.converged[:2]:
            recommendations.draft(
                session, d, statement_ids=[sid], analysis=analysis, focus_area=d.focus_areas[0].key, **DRAFT
            )
        endorsements.open_round(session, d, AdoptionRule.UNANIMITY)
        with pytest.raises(ServiceError, match="say why"):
            recommendations.withdraw(session, d, 2, reason=" ")
        recommendations.withdraw(session, d, 2, reason="merged into R1")
        with pytest.raises(ServiceError, match="withdrawn"):
            endorsements.record(session, d, table.stakeholders[0], "R2", "endorse")
        with pytest.raises(ServiceError, match="withdrawn"):
            recommendations.revise(session, d, 2, text="again")
        assert [r.number for r in recommendations.all_of(session, d)] == [1]
        assert [r.number for r in recommendations.all_of(session, d, include_withdrawn=True)] == [1, 2]
        assert [r.number for r in endorsements.results(session, d).recommendations] == [1]
        assert "R2 withdrawn: merged into R1" in [a.message for a in activity(session, d)]


def test_a_statement_nobody_voted_on_cannot_carry_a_recommendation(database: Database) -> None:
    """Issue 19: a recommendation could be drafted from a statement with no votes, with empty figures."""
    from workingup.services.moderation import add_seed_statement

    table, _ = demo_table(database)
    with database.transaction() as session:
        d = dialogue(session, table)
        area = session.get_one(models.Statement, table.converged[0]).focus_area_id
        key = next(fa.key for fa in d.focus_areas if fa.id == area)
        fresh = add_seed_statement(
            session, d, "Bus passes should be free for apprentices.", focus_area=key
        ).id
    with database.sessions() as session:
        analysis = analyze_dialogue(session, dialogue(session, table))
    attempts = [
        ([fresh], f"nobody has voted on statement {fresh} yet"),
        ([table.converged[0], fresh], "nobody has voted"),  # nor beside one that has votes
    ]
    for statement_ids, message in attempts:
        with pytest.raises(ServiceError, match=message), database.transaction() as session:
            recommendations.draft(
                session, dialogue(session, table), statement_ids=statement_ids, analysis=analysis, **DRAFT
            )
    with database.transaction() as session:
        d = dialogue(session, table)
        recommendations.draft(session, d, statement_ids=[table.converged[0]], analysis=analysis, **DRAFT)
    with pytest.raises(ServiceError, match="nobody has voted"), database.transaction() as session:
        recommendations.revise(session, dialogue(session, table), 1, statement_ids=[fresh], analysis=analysis)
    with database.sessions() as session:
        assert len(recommendations.all_of(session, dialogue(session, table))) == 1


def test_a_draft_without_an_analysis_copies_the_latest_stored_one(database: Database) -> None:
    """Drafting reads the stored run (no analysis per request); its figures equal a fresh analysis's."""
    from workingup.services.analysis_runs import run_analysis

    table, analysis = demo_table(database)
    pair = list(table.converged[:2])
    with database.transaction() as session:
        d = dialogue(session, table)
        stored = run_analysis(session, d)
        assert stored is not None
        recommendations.draft(session, d, statement_ids=pair, **DRAFT)
    with database.sessions() as session:
        basis = recommendations.get(session, dialogue(session, table), 1).current.basis
        for b in basis:
            copied = dict(b.figures)
            expected = recommendations.snapshot_support(analysis, b.statement_id).to_dict()
            copied.pop("computed_at"), expected.pop("computed_at")  # two analyses of the same votes
            assert copied == expected
        assert len(basis) == 2


def test_a_statement_newer_than_the_stored_analysis_gets_fresh_figures(database: Database) -> None:
    from workingup.services.analysis_runs import run_analysis
    from workingup.services.moderation import add_seed_statement

    table, _ = demo_table(database)
    with database.transaction() as session:
        d = dialogue(session, table)
        assert run_analysis(session, d) is not None
        first = session.get_one(models.Statement, table.converged[0])
        focus = next(fa.key for fa in d.focus_areas if fa.id == first.focus_area_id)
        newer = add_seed_statement(session, d, "A statement accepted after the analysis", focus_area=focus)
        voters = list(table.stakeholders)
        insert_vote_events(  # voted on after the stored analysis: only a fresh one knows these votes
            session,
            dialogue_id=table.dialogue_id,
            participant_ids=voters,
            statement_ids=[newer.id] * len(voters),
            values=[1] * len(voters),
            times=[datetime.now(UTC)] * len(voters),
        )
        recommendations.draft(session, d, statement_ids=[table.converged[0], newer.id], **DRAFT)
    with database.sessions() as session:
        basis = recommendations.get(session, dialogue(session, table), 1).current.basis
        figures = recommendations.SupportSnapshot.from_dict(basis[1].figures)
        assert figures.statement_id == newer.id
        assert figures.votes == len(voters)
