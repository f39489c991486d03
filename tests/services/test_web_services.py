"""The services behind the web pages: balance audit, public aggregates, routing, duplicates, accounts."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from workingup.dialogues import load_definition
from workingup.domain import Leaning, Role
from workingup.runtime.database import Database
from workingup.services import accounts, roster
from workingup.services.dialogues import install_definition
from workingup.services.duplicates import find_duplicate, normalise
from workingup.services.errors import ServiceError
from workingup.services.results import MIN_GROUP, public_results
from workingup.services.routing import choose_next, fallback_priority
from workingup.store import models
from workingup.store.votes import record_vote


def _people(session, dialogue, spec: list[tuple[str | None, Leaning, Role]]) -> list[int]:
    rows = [
        models.Participant(dialogue_id=dialogue.id, sector=s, leaning=lean, role=r) for s, lean, r in spec
    ]
    session.add_all(rows)
    session.flush()
    return [p.id for p in rows]


def test_balance_audit_counts_and_flags(database: Database) -> None:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        _people(
            session,
            dialogue,
            [("employers", Leaning.RIGHT, Role.STAKEHOLDER)] * 3
            + [("employers", Leaning.CENTER_RIGHT, Role.STAKEHOLDER)]
            + [("policy", Leaning.LEFT, Role.STAKEHOLDER), ("policy", Leaning.RIGHT, Role.STAKEHOLDER)]
            + [("faith", Leaning.UNDISCLOSED, Role.STAKEHOLDER)]
            + [("employers", Leaning.LEFT, Role.PUBLIC)] * 10,  # the public is not the table
        )
        audit = roster.balance_audit(session, dialogue)
    rows = {r.sector_key: r for r in audit.rows}
    assert rows["employers"].by_side == {"left": 0, "center": 0, "right": 4, "undisclosed": 0}
    assert rows["faith"].by_side["undisclosed"] == 1
    assert audit.totals == {"left": 1, "center": 0, "right": 5, "undisclosed": 1}
    flags = {(f.kind, f.subject) for f in audit.flags}
    assert ("one-sided", "Employers") in flags
    assert ("missing-sector", "Worker advocates") in flags
    assert ("under-filled", "Policy voices (left- and right-leaning)") in flags
    assert ("outnumbered", "The table") in flags
    assert not any(subject == "Faith leaders" and kind == "one-sided" for kind, subject in flags)


def test_balanced_table_has_no_side_flags(database: Database) -> None:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        spec = []
        for sector in dialogue.sectors:
            for seat in range(sector.seats):
                spec.append((sector.key, Leaning.LEFT if seat % 2 else Leaning.RIGHT, Role.STAKEHOLDER))
        _people(session, dialogue, spec)
        audit = roster.balance_audit(session, dialogue)
    assert [f.subject for f in audit.flags] == []


def test_public_results_suppress_groups_under_five(database: Database) -> None:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        statement = session.scalars(select(models.Statement).order_by(models.Statement.id)).first()
        other = session.scalars(select(models.Statement).order_by(models.Statement.id.desc())).first()
        assert statement is not None
        assert other is not None
        lefts = _people(session, dialogue, [(None, Leaning.LEFT, Role.PUBLIC)] * 6)
        rights = _people(session, dialogue, [(None, Leaning.RIGHT, Role.PUBLIC)] * 4)
        for i, pid in enumerate(lefts + rights):
            record_vote(
                session,
                dialogue_id=dialogue.id,
                participant_id=pid,
                statement_id=statement.id,
                value=1 if i % 2 else -1,
            )
        for pid in lefts[:4]:
            record_vote(session, dialogue_id=dialogue.id, participant_id=pid, statement_id=other.id, value=1)
        results = {r.statement_id: r for r in public_results(session, dialogue).statements}
    first = results[statement.id]
    assert (first.overall.voters, first.overall.agree, first.overall.disagree) == (10, 5, 5)
    assert first.by_side["left"].voters == 6
    assert first.by_side["left"].agree == 3
    assert first.by_side["right"].suppressed
    assert first.by_side["right"].agree is None
    assert first.by_side["center"].suppressed
    assert results[other.id].overall.suppressed  # only 4 voters in all
    assert MIN_GROUP == 5


def test_choose_next_follows_priorities_and_boosts_new_statements() -> None:
    rng = random.Random(0)
    draws = Counter(choose_next([1, 2], {}, rng, priority={1: 9.0, 2: 1.0}) for _ in range(4000))
    assert 0.86 < draws[1] / 4000 < 0.94
    assert choose_next([], {}, rng) is None
    assert fallback_priority(0) == 81.0
    assert fallback_priority(50) < 1.02
    fresh = Counter(choose_next([1, 2], {1: 100, 2: 0}, rng) for _ in range(2000))
    assert fresh[2] > 0.95 * 2000


def test_duplicates_ignore_form_and_catch_rewording() -> None:
    assert normalise("  Café, for ALL!  ") == "cafe for all"
    existing = [(1, "Paid leave for every worker."), (2, "Cafe for all")]
    assert find_duplicate("paid   LEAVE for every worker", existing) == 1
    assert find_duplicate("Café for all!", existing) == 2
    assert find_duplicate("Every worker should get paid leave", existing) == 1  # reworded: the themes index
    assert find_duplicate("Raise the minimum wage in rural counties", existing) is None
    assert find_duplicate("!!!", existing) is None


def test_sessions_expire_and_short_passwords_are_refused(database: Database) -> None:
    with database.transaction() as session:
        with pytest.raises(ServiceError, match="at least 12"):
            accounts.create_facilitator(session, "a@example.org", "short", "A")
        with pytest.raises(ServiceError, match="not an e-mail"):
            accounts.create_facilitator(session, "not-an-address", "long enough password", "A")
        accounts.create_facilitator(session, "a@example.org", "long enough password", "A")
        opened = accounts.sign_in(session, "a@example.org", "long enough password", allow_demo=False)
        assert accounts.facilitator_for_token(session, opened.token) is not None
        stored = session.scalars(select(models.FacilitatorSession)).one()
        assert stored.token_hash != opened.token
        stored.expires_at = stored.created_at - timedelta(seconds=1)
        session.flush()
        assert accounts.facilitator_for_token(session, opened.token) is None


def test_public_results_leave_out_opinion_groups_under_five(database: Database) -> None:
    import json

    from workingup.analysis import FORMAT

    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        ids = list(session.scalars(select(models.Statement.id).order_by(models.Statement.id)))
        n = len(ids)
        statements = {
            "id": ids,
            "group_agree": [[6] * n, [3] * n],
            "group_disagree": [[2] * n, [0] * n],
            "group_seen": [[9] * n, [4] * n],
        }
        analysis = {
            "format": FORMAT,
            "groups": [{"name": "A", "size": 40}, {"name": "B", "size": 4}],
            "statements": statements,
        }
        data = {"analysis": analysis, "convergence": None}
        session.add(
            models.AnalysisRun(
                dialogue_id=dialogue.id,
                n_participants=44,
                n_votes=13 * n,
                n_groups=2,
                format=FORMAT,
                result=json.dumps(data),
            )
        )
        session.flush()
        results = public_results(session, dialogue)
    assert results.groups == [("A", 40)]
    first = results.statements[0]
    assert set(first.by_group) == {"A"}
    assert (first.by_group["A"].agree, first.by_group["A"].disagree, first.by_group["A"].passed) == (6, 2, 1)


def test_duplicates_of_statements_added_since_the_index_was_built_are_caught() -> None:
    from workingup.services import duplicates

    base = [
        (i, f"Statement {i} about {topic}")
        for i, topic in enumerate(("buses", "childcare", "wages", "loans"))
    ]
    assert find_duplicate("Something entirely unrelated to any of them", base) is None  # builds and caches
    grown = [*base, (10, "Employers should pay for apprenticeship training in the trades")]
    index, extra = duplicates._index_for([t for _, t in grown])
    assert len(index) == len(base)  # the cached index was reused
    assert extra == [4]  # and the new statement is checked beside it
    assert find_duplicate("Employers should pay for apprenticeships training in trades", grown) == 10
    assert find_duplicate("Raise the minimum wage in rural counties", grown) is None
    # Past REFIT_AFTER new statements, or once a statement is gone, the index is built again.
    many = [*grown, *((100 + i, f"Proposal number {i} on {i} topics") for i in range(duplicates.REFIT_AFTER))]
    assert len(duplicates._index_for([t for _, t in many])[0]) == len(many)
    assert len(duplicates._index_for([t for _, t in grown[1:]])[0]) == len(grown) - 1


@pytest.mark.parametrize("participant_id", [0, -1, 2**31, 2**63 - 1])
def test_an_id_beyond_the_column_is_an_unknown_participant(database: Database, participant_id: int) -> None:
    """Looked up, such an id would overflow the driver's integer on PostgreSQL: a 500 instead of a 404."""
    from workingup.services.errors import NotFound

    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        known = _people(session, dialogue, [("employers", Leaning.LEFT, Role.STAKEHOLDER)])[0]
        assert roster.participant_of(session, dialogue, known).id == known
        with pytest.raises(NotFound, match=f"no participant {participant_id}"):
            roster.participant_of(session, dialogue, participant_id)
