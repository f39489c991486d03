"""The report's listening sessions: named only with consent to be named, never described without consent."""

from __future__ import annotations

from datetime import date

from tests.agenda import demo_table, dialogue
from workingup.report.build import build_report
from workingup.report.markdown import render_markdown
from workingup.report.render import render_html
from workingup.services import listening
from workingup.services.database import Database


def test_sessions_are_named_only_with_consent(database: Database) -> None:
    table, analysis = demo_table(database)
    with database.transaction() as session:
        d = dialogue(session, table)
        common = {"consent_recorded": True}
        listening.create_session(
            session,
            d,
            held_on=date(2017, 3, 2),
            place="Dayton Library",
            facilitator="Ana",
            consent_to_name=True,
            **common,
        )
        listening.create_session(
            session, d, held_on=date(2017, 4, 9), place="Toledo Union Hall", facilitator="Ben", **common
        )
        listening.create_session(
            session,
            d,
            held_on=date(2017, 5, 1),
            place="Akron Church",
            facilitator="Cy",
            consent_recorded=False,
        )
    with database.sessions() as session:
        data = build_report(session, dialogue(session, table), analysis=analysis)
    assert data.listening is not None
    assert [s.held_on for s in data.listening.sessions] == [date(2017, 3, 2), date(2017, 4, 9)]
    assert data.listening.withheld == 1
    for text in (render_html(data), render_markdown(data)):
        assert "Dayton Library, facilitated by Ana" in text
        assert "Toledo" not in text
        assert "Ben" not in text
        assert "Akron" not in text
        assert "A listening session (not named: no consent to name it)" in text
        assert "1 further session(s) without recorded consent" in text
