"""A dialogue's counts are kept for the session's reads, and never outlive a write."""

from __future__ import annotations

from workingup.dialogues import load_definition
from workingup.runtime.database import Database
from workingup.services import participation
from workingup.services.dialogues import counts, install_definition


def test_counts_are_kept_until_the_session_writes(database: Database) -> None:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        dialogue.open_join = True
        before = counts(session, dialogue.id)
        assert counts(session, dialogue.id) is before  # read once for the request's three tables
        someone = participation.join_open(session, dialogue, participation.Profile(consent=True)).participant
        joined = counts(session, dialogue.id)
        assert joined.participants == before.participants + 1
        participation.cast_vote(
            session, dialogue, someone, participation.accepted_ids(session, dialogue.id)[0], 1
        )
        assert counts(session, dialogue.id).current_votes == joined.current_votes + 1
    with database.sessions() as session:
        assert counts(session, dialogue.id).current_votes == 1
