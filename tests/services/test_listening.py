"""Listening sessions through the store: all-or-nothing imports, themes kept whole, statements linked to words."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.services.test_polis_io import row_counts
from workingup.dialogues import load_definition
from workingup.runtime.database import Database
from workingup.services import listening
from workingup.services.dialogues import install_definition
from workingup.services.errors import ServiceError
from workingup.store import models
from workingup.store.listening import ContributionRow, StatementOriginRow
from workingup.themes import ContributionFormatError


def _dialogue(database: Database) -> int:
    with database.transaction() as session:
        return install_definition(session, load_definition()).id


def _session(database: Database, dialogue_id: int, **kwargs) -> int:
    with database.transaction() as session:
        dialogue = session.get(models.Dialogue, dialogue_id)
        row = listening.create_session(
            session,
            dialogue,
            held_on=date(2017, 3, 2),
            place="Library, Dayton",
            facilitator="A. Facilitator",
            consent_recorded=kwargs.pop("consent_recorded", True),
            **kwargs,
        )
        return row.id


def test_import_is_all_or_nothing(database: Database, tmp_path: Path) -> None:
    dialogue_id = _dialogue(database)
    session_id = _session(database, dialogue_id)
    good = tmp_path / "good.csv"
    good.write_text("id,speaker,text\n1,P1,I need child care at night.\n2,P2,My hours change every week.\n")
    with database.transaction() as session:
        row = listening.get_session(session, session.get(models.Dialogue, dialogue_id), session_id)
        assert len(listening.import_contributions(session, row, good)) == 2
    before = row_counts(database)
    bad = tmp_path / "bad.csv"
    bad.write_text("id,speaker,text\n3,P3,Fine line\n4,P4,\n")
    with pytest.raises(ContributionFormatError, match=r"bad.csv line 3"), database.transaction() as session:
        row = listening.get_session(session, session.get(models.Dialogue, dialogue_id), session_id)
        listening.import_contributions(session, row, bad)
    assert row_counts(database) == before
    with (
        pytest.raises(ServiceError, match="already has contributions with id 1"),
        database.transaction() as session,
    ):
        row = listening.get_session(session, session.get(models.Dialogue, dialogue_id), session_id)
        listening.import_contributions(session, row, good)
    assert row_counts(database) == before


def test_files_without_ids_add_to_a_session_instead_of_clashing(database: Database, tmp_path: Path) -> None:
    dialogue_id = _dialogue(database)
    session_id = _session(database, dialogue_id)
    first, second = tmp_path / "table-1.txt", tmp_path / "table-2.csv"
    first.write_text("I need child care at night.\nMy hours change every week.\n")
    second.write_text("speaker,text\nP9,The bus does not run on Sundays.\n")
    with database.transaction() as session:
        row = listening.get_session(session, session.get(models.Dialogue, dialogue_id), session_id)
        assert [c.external_id for c in listening.import_contributions(session, row, first)] == ["1", "2"]
        assert [c.external_id for c in listening.import_contributions(session, row, second)] == ["3"]
        assert [(c.external_id, c.line) for c in listening.import_contributions(session, row, first)] == [
            ("4", 1),
            ("5", 2),
        ]


def test_naming_needs_consent(database: Database) -> None:
    dialogue_id = _dialogue(database)
    with pytest.raises(ServiceError, match="recorded consent"):
        _session(database, dialogue_id, consent_recorded=False, consent_to_name=True)


def test_themes_from_the_sample_are_kept_and_quote_exact_words(database: Database) -> None:
    dialogue_id = _dialogue(database)
    with database.transaction() as session:
        dialogue = session.get(models.Dialogue, dialogue_id)
        listening.load_sample(session, dialogue)
        # A session without consent is kept but never themed or quoted.
        private = listening.create_session(
            session,
            dialogue,
            held_on=date(2017, 1, 1),
            place="Phone",
            facilitator="B",
            consent_recorded=False,
        )
        listening.add_typed_contribution(session, private, "Something said without consent to quote it.")
        first = listening.run_themes(session, dialogue)
    with database.sessions() as session:
        dialogue = session.get(models.Dialogue, dialogue_id)
        stored = listening.latest_themes(session, dialogue)
        texts = dict(session.execute(select(ContributionRow.id, ContributionRow.text)).all())
        private_ids = {
            row.id
            for row in session.scalars(
                select(ContributionRow).where(ContributionRow.session_id == private.id)
            )
        }
    assert stored is not None
    assert stored.result.to_dict() == first.result.to_dict()
    assert stored.result.coverage >= 0.9
    assert len(stored.focus) == len(stored.result.themes)
    assert {m["focus_area"] for m in stored.focus} - {None} <= {
        "work-opportunity",
        "quality-work",
        "financial-security",
    }
    members = {m for t in stored.result.themes for m in t.members} | set(stored.result.other)
    assert members.isdisjoint(private_ids)
    assert len(members) == 204
    for theme in stored.result.themes:
        for quote in theme.quotes:
            assert texts[quote.contribution_id][quote.start : quote.end] == quote.text
    with database.transaction() as session:
        again = listening.run_themes(session, session.get(models.Dialogue, dialogue_id))
    assert again.result.to_dict() == first.result.to_dict()


def test_adopting_a_candidate_links_the_statement_to_the_words(database: Database) -> None:
    dialogue_id = _dialogue(database)
    with database.transaction() as session:
        dialogue = session.get(models.Dialogue, dialogue_id)
        listening.load_sample(session, dialogue)
        run = listening.run_themes(session, dialogue)
        theme = run.result.themes[0]
        candidates = listening.candidates_for(session, dialogue, run, theme.id)
        assert candidates
        chosen = candidates[0]
        statement = listening.adopt_candidate(
            session, dialogue, run, chosen, text="Edited: " + chosen.text, focus_area="quality-work"
        )
        statement_id = statement.id
    with database.sessions() as session:
        dialogue = session.get(models.Dialogue, dialogue_id)
        linked = listening.origins(session, dialogue)
        assert [s.id for s, _ in linked] == [statement_id]
        statement, origin = linked[0]
        contribution = session.get(ContributionRow, origin.contribution_id)
        assert contribution.text[origin.quote_start : origin.quote_end] == origin.quote == chosen.text
        assert statement.text.startswith("Edited: ")
        assert statement.focus_area_id == next(
            fa.id for fa in dialogue.focus_areas if fa.key == "quality-work"
        )
        assert session.scalar(select(func.count()).select_from(StatementOriginRow)) == 1
        # The adopted statement is now an existing statement: the same candidate is flagged as close to it.
        again = listening.candidates_for(
            session, dialogue, listening.latest_themes(session, dialogue), theme.id
        )
        assert any(m.id == statement_id for m in again[0].similar_existing)


def test_themes_need_quotable_contributions(database: Database) -> None:
    dialogue_id = _dialogue(database)
    with (
        pytest.raises(ServiceError, match="no contributions with recorded consent"),
        database.transaction() as session,
    ):
        listening.run_themes(session, session.get(models.Dialogue, dialogue_id))
