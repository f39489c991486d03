"""The report's listening sessions: named only with consent to be named, never described without consent."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.agenda import demo_table, dialogue
from workingup.report.build import build_report
from workingup.report.markdown import render_markdown
from workingup.report.render import render_html
from workingup.runtime.database import Database
from workingup.services import listening
from workingup.store.votes import insert_vote_events


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


def test_themes_show_sizes_quotes_and_what_came_from_them(database: Database) -> None:
    from workingup.domain import Horizon, RecommendationType
    from workingup.services import recommendations

    table, analysis = demo_table(database)
    with database.transaction() as session:
        d = dialogue(session, table)
        listening.load_sample(session, d)
        run = listening.run_themes(session, d, method="tfidf")
        theme = run.result.themes[0]
        candidate = listening.candidates_for(session, d, run, theme.id)[0]
        statement = listening.adopt_candidate(
            session, d, run, candidate, text="Drawn from the listening session.", focus_area="quality-work"
        )
        voters = list(table.stakeholders)  # a recommendation rests on statements the table voted on
        insert_vote_events(
            session,
            dialogue_id=d.id,
            participant_ids=voters,
            statement_ids=[statement.id] * len(voters),
            values=[1] * len(voters),
            times=[datetime.now(UTC)] * len(voters),
        )
        recommendations.draft(
            session,
            d,
            statement_ids=[statement.id],
            kind=RecommendationType.PROGRAMMATIC,
            horizon=Horizon.NEAR_TERM,
            actors=["employers"],
            title="A recommendation resting on people's own words",
        )  # no analysis given: the draft analyses afresh, so the new statement has figures
    with database.sessions() as session:
        data = build_report(session, dialogue(session, table), analysis=analysis)
    assert data.listening is not None
    first = data.listening.themes[0]
    assert first.size == theme.size
    assert first.quotes == tuple(q.text for q in theme.quotes[:3])
    assert first.statements == ("Drawn from the listening session.",)
    assert first.recommendations == ("A recommendation resting on people's own words",)
    assert all(not t.statements for t in data.listening.themes[1:])
    html, markdown = render_html(data), render_markdown(data)
    for text in (html, markdown):
        # A theme is named "Theme 1", its key words given as such: a bare "work, fair, car" read as a title.
        assert f"Theme 1</strong> ({theme.size} contributions; its most telling words: " in text.replace(
            "Theme 1**", "Theme 1</strong>"
        )
        assert "Drawn from the listening session." in text
        assert "Recommendations resting on them: A recommendation resting on people" in text
