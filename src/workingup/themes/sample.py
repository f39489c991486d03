"""The illustrative listening session that ships with the Working Up dialogue, for demos and tests.

Its 204 contributions were written for this project to sound like low-wage workers talking about child care,
schedules, leave, transport, training, credentials, debt, savings, volatile income, benefit cliffs, housing and
getting ahead. They are illustrative: no real person said them, and pages that show them should say so.
"""

from __future__ import annotations

from datetime import date
from importlib import resources

from workingup.themes.contributions import Contribution, ListeningSession
from workingup.themes.read import parse_contributions

SAMPLE_FILE = "listening_sample.csv"
ILLUSTRATIVE_NOTE = (
    "Illustrative data: these contributions were written for the Working Up project to demonstrate listening "
    "sessions. No real person said them."
)


def sample_contributions() -> list[Contribution]:
    data = resources.files("workingup.themes").joinpath("data", SAMPLE_FILE).read_bytes()
    return parse_contributions(data, format="csv", name=SAMPLE_FILE)


def sample_session() -> ListeningSession:
    """The sample as one session, with its illustrative status in the notes."""
    return ListeningSession(
        held_on=date(2017, 6, 14),
        place="Illustrative community listening session (in person)",
        facilitator="Illustrative facilitator",
        consent_recorded=True,
        demographics=(("participants", "52"), ("status", "illustrative")),
        notes=ILLUSTRATIVE_NOTE,
        contributions=tuple(sample_contributions()),
    )
