"""Simulated participants and votes for a dialogue, clearly marked, with the ground truth that made them.

The table follows the dialogue's own composition (its sectors and seats, left- and right-leaning policy voices),
then advisors, community voices and a public round. Opinions come from `workingup.simulation`; a seed statement's
`appeal` decides its planted role: "both" is a bridging statement, "left"/"right" divide the table towards that
side, "none" carries no signal. Every person and vote written here has `simulated = true`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workingup.dialogues import load_definition
from workingup.domain import Leaning, Role, Stance
from workingup.services.errors import ServiceError
from workingup.services.progress import Progress, no_progress
from workingup.simulation import SimulatedDialogue, simulate_dialogue
from workingup.store import models
from workingup.store.bulk import insert_returning_ids
from workingup.store.votes import insert_vote_events

LEFT, RIGHT = 0, 1
APPEAL_TYPE = {"both": "bridging", "left": "divisive", "right": "divisive", "none": "noise"}
N_ADVISORS = 6
N_COMMUNITY_VOICES = 12


@dataclass(frozen=True)
class DemoResult:
    dialogue_id: int
    simulation: SimulatedDialogue
    participant_ids: NDArray[np.int64]
    """Database id of each simulated participant, in the simulation's order."""
    statement_ids: NDArray[np.int64]
    """Database id of each statement, in the simulation's order."""
    roles: tuple[Role, ...]


def has_participants(session: Session, dialogue_id: int) -> bool:
    count = session.scalar(select(func.count()).where(models.Participant.dialogue_id == dialogue_id))
    return bool(count)


def populate_demo(
    session: Session,
    dialogue: models.Dialogue,
    *,
    public: int = 2000,
    seed: int = 0,
    start: datetime | None = None,
    progress: Progress = no_progress,
) -> DemoResult:
    """Add a simulated table, advisors, community voices and `public` members of the public who vote."""
    if public < 0:
        raise ServiceError("the public round cannot have a negative size")
    statements = list(
        session.scalars(
            select(models.Statement)
            .where(models.Statement.dialogue_id == dialogue.id, models.Statement.moderation != "rejected")
            .order_by(models.Statement.id)
        )
    )
    if not statements:
        raise ServiceError(f"dialogue {dialogue.slug!r} has no statements to vote on")
    appeals = _appeals(dialogue, statements)
    types = [APPEAL_TYPE[a] for a in appeals]
    favoured = [LEFT if a == "left" else RIGHT if a == "right" else -1 for a in appeals]

    rng = np.random.default_rng(seed)
    people = _roster(dialogue, public, rng)
    n_statements = len(statements)
    seen = np.concatenate(
        [
            rng.integers(max(1, n_statements - 15), n_statements + 1, people.count(Role.STAKEHOLDER)),
            rng.integers(20, 51, people.count(Role.ADVISOR)),
            rng.integers(15, 41, people.count(Role.COMMUNITY_VOICE)),
            rng.integers(10, 61, people.count(Role.PUBLIC)),
        ]
    )
    simulation = simulate_dialogue(
        len(people.roles),
        n_statements,
        n_groups=2,
        groups=people.groups,
        statement_types=types,
        favoured_group=favoured,
        seen_counts=seen.tolist(),
        seed=seed,
    )
    origin = start or datetime.now(UTC) - timedelta(days=14)
    n_people = len(people.roles)
    progress("Simulating participants", 0, n_people)
    participant_ids = insert_returning_ids(
        session,
        models.Participant,
        [
            {
                "dialogue_id": dialogue.id,
                "external_id": f"simulated-{i + 1:05d}",
                "display_name": people.names[i],
                "role": people.roles[i],
                "sector": people.sectors[i],
                "leaning": people.leanings[i],
                "simulated": True,
                "created_at": origin,
            }
            for i in range(len(people.roles))
        ],
        on_batch=lambda n: progress("Simulating participants", n, n_people),
    )
    pid = np.asarray(participant_ids, dtype=np.int64)
    sid = np.asarray([s.id for s in statements], dtype=np.int64)
    times = [origin + timedelta(seconds=float(t)) for t in simulation.event_time.tolist()]
    insert_vote_events(
        session,
        dialogue_id=dialogue.id,
        participant_ids=pid[simulation.event_participant],
        statement_ids=sid[simulation.event_statement],
        values=simulation.event_value,
        times=times,
        simulated=True,
        on_batch=lambda n: progress("Simulating votes", n, simulation.n_events),
    )
    return DemoResult(dialogue.id, simulation, pid, sid, tuple(people.roles))


def _appeals(dialogue: models.Dialogue, statements: list[models.Statement]) -> list[str]:
    """The planted appeal of each statement: from the dialogue's definition file when it has one."""
    known: dict[str, str] = {}
    if dialogue.source.startswith("definition:"):
        try:
            definition = load_definition(dialogue.source.removeprefix("definition:").replace("-", "_"))
            known = {s.text: s.appeal for s in definition.statements}
        except ValueError:
            known = {}
    rng = np.random.default_rng(len(statements))
    fallback = rng.choice(["both", "left", "right", "none"], size=len(statements), p=[0.3, 0.3, 0.3, 0.1])
    return [known.get(s.text, str(fallback[i])) for i, s in enumerate(statements)]


@dataclass
class _Roster:
    roles: list[Role]
    sectors: list[str | None]
    leanings: list[Leaning]
    groups: list[int]
    names: list[str]

    def count(self, role: Role) -> int:
        return self.roles.count(role)


def _roster(dialogue: models.Dialogue, public: int, rng: np.random.Generator) -> _Roster:
    roster = _Roster([], [], [], [], [])

    def add(role: Role, sector: str | None, leaning: Leaning, group: int, name: str) -> None:
        roster.roles.append(role)
        roster.sectors.append(sector)
        roster.leanings.append(leaning)
        roster.groups.append(group)
        roster.names.append(name)

    # The table: each sector's seats split between the two sides; policy voices exactly half and half.
    for sector in dialogue.sectors:
        for seat in range(sector.seats):
            group = LEFT if (seat < sector.seats / 2 if sector.key == "policy" else seat % 2 == 0) else RIGHT
            leaning = _declared_leaning(group, seat, rng, undisclosed_rate=0.05)
            add(Role.STAKEHOLDER, sector.key, leaning, group, f"Simulated {sector.label.lower()} {seat + 1}")
    for i in range(N_ADVISORS):
        add(Role.ADVISOR, None, Leaning.UNDISCLOSED, int(rng.integers(0, 2)), f"Simulated advisor {i + 1}")
    voices = (
        (Role.COMMUNITY_VOICE, N_COMMUNITY_VOICES, 0.6, "community voice"),
        (Role.PUBLIC, public, 0.7, "member of the public"),
    )
    for role, count, undisclosed, label in voices:
        for i in range(count):
            group = int(rng.integers(0, 2))
            add(
                role, None, _declared_leaning(group, i, rng, undisclosed), group, f"Simulated {label} {i + 1}"
            )
    return roster


def _declared_leaning(group: int, index: int, rng: np.random.Generator, undisclosed_rate: float) -> Leaning:
    """What a simulated person says about themselves: mostly their side, sometimes the centre or nothing."""
    draw = rng.random()
    if draw < undisclosed_rate:
        return Leaning.UNDISCLOSED
    if draw < undisclosed_rate + 0.1:
        return Leaning.CENTER
    strong = index % 2 == 0
    if group == LEFT:
        return Leaning.LEFT if strong else Leaning.CENTER_LEFT
    return Leaning.RIGHT if strong else Leaning.CENTER_RIGHT


def open_demo(session: Session, dialogue: models.Dialogue) -> None:
    """Make the demo explorable: the demo facilitator account, an open link, the public results published.

    The demo account's password is published (accounts.DEMO_PASSWORD); the web app accepts it only on a
    loopback address.
    """
    from workingup.services.accounts import ensure_demo_facilitator

    ensure_demo_facilitator(session, dialogue)
    dialogue.open_join = True
    dialogue.published = True


SIMULATED_RESERVATION = "Simulated: agreed with most of what this rests on, not all of it."
SIMULATED_BLOCK = "Simulated: disagreed with every statement this rests on."


def simulated_stance(values: Sequence[int]) -> tuple[Stance, str]:
    """What a simulated stakeholder says about a recommendation, from their votes on the statements it rests on.

    Agreeing with (nearly) all of it endorses; leaning towards it endorses with a reservation; disagreeing with
    every one of at least two blocks; anything else (passes, no votes, a split) stands aside. Without this the
    demo's table never answered, and every recommendation read "Not adopted: 1 of 31" (issue 19).
    """
    if not values:
        return Stance.STAND_ASIDE, ""
    mean = sum(values) / len(values)
    if mean >= 0.5:
        return Stance.ENDORSE, ""
    if mean > 0:
        return Stance.RESERVATIONS, SIMULATED_RESERVATION
    if len(values) >= 2 and all(v == -1 for v in values):
        return Stance.BLOCK, SIMULATED_BLOCK
    return Stance.STAND_ASIDE, ""


def simulate_stances(session: Session, dialogue: models.Dialogue) -> int:
    """Record every simulated stakeholder's stance on every current recommendation in the open round.

    Only in the demo (a dialogue the demo account facilitates, `open_demo`): elsewhere simulated data is for
    tests and benchmarks, which record their own stances. Real participants are never touched. Returns how many
    stances were recorded.
    """
    from workingup.services import endorsements, recommendations

    demo_account = session.scalar(
        select(models.Facilitator.id)
        .join(models.DialogueFacilitator, models.DialogueFacilitator.facilitator_id == models.Facilitator.id)
        .where(models.DialogueFacilitator.dialogue_id == dialogue.id, models.Facilitator.is_demo.is_(True))
    )
    if demo_account is None:
        return 0

    people = list(
        session.scalars(
            select(models.Participant).where(
                models.Participant.dialogue_id == dialogue.id,
                models.Participant.simulated.is_(True),
                models.Participant.role == Role.STAKEHOLDER,
            )
        )
    )
    if not people:
        return 0
    votes: dict[tuple[int, int], int] = {
        (pid, sid): value
        for pid, sid, value in session.execute(
            select(
                models.CurrentVote.participant_id, models.CurrentVote.statement_id, models.CurrentVote.value
            ).where(
                models.CurrentVote.dialogue_id == dialogue.id,
                models.CurrentVote.participant_id.in_([p.id for p in people]),
            )
        )
    }
    recorded = 0
    for recommendation in recommendations.all_of(session, dialogue):
        basis = [b.statement_id for b in recommendation.current.basis]
        for person in people:
            values = [votes[(person.id, sid)] for sid in basis if (person.id, sid) in votes]
            stance, text = simulated_stance(values)
            endorsements.record(session, dialogue, person, recommendation.number, stance, text)
            recorded += 1
    return recorded
