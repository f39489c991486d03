"""The stored records services hand out, under the names the web holds them by (docs/architecture.md §2).

Services return the store's ORM rows (a dialogue, a participant, a recommendation's version…) rather than copies,
so a route can read a returned record's fields and pass it back to the next service. The web may hold and
annotate such a record, but it never queries: every read and write goes through a service. Naming the types here,
and only re-exporting them, lets the web type what it holds without importing `store` (the import rule in
tests/test_layers.py), while the schema keeps one definition in `store/`.

`utcnow` is the clock records are stamped with (timezone-aware UTC); the web uses it when no test clock is set, so
a time it compares with a record's is of the same kind.
"""

from __future__ import annotations

from workingup.store.agenda import ActivityRow, EndorsementRow, RecommendationRow, RecommendationVersionRow
from workingup.store.listening import ContributionRow, ListeningSessionRow
from workingup.store.models import (
    ColleagueInvitation,
    Dialogue,
    Facilitator,
    Invitation,
    Participant,
    Statement,
    utcnow,
)

__all__ = [
    "ActivityRow",
    "ColleagueInvitation",
    "ContributionRow",
    "Dialogue",
    "EndorsementRow",
    "Facilitator",
    "Invitation",
    "ListeningSessionRow",
    "Participant",
    "RecommendationRow",
    "RecommendationVersionRow",
    "Statement",
    "utcnow",
]
