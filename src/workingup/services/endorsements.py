"""The endorsement round: each stakeholder's stance on each recommendation, and what the adoption rule makes of it.

Rules (`AdoptionRule`):
- **unanimity** (Convergence's): adopted when every stakeholder at the table endorses (with or without
  reservations) or stands aside, at least one endorses, and nobody blocks. One block and it is not adopted.
- **threshold t**: adopted when the stakeholders who endorse are at least a share t of the table, those
  standing aside left out of the count. A block counts as not endorsing; it does not veto, and it is shown all
  the same.
While a round is open and stakeholders have not all answered, a recommendation is *pending* unless the answer is
already certain (a block under unanimity). A stance counts only for the wording it was given on: after a
revision, stakeholders answer again.

Results are published by sector and by leaning only for groups of at least five (services/disclosure.py); a
block's reason is always published, a blocker's name only with their consent.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from workingup.domain import AdoptionRule, Leaning, Outcome, Role, Stance
from workingup.services import recommendations
from workingup.services.disclosure import Pool, count_by_pool, pool_groups, publishable_name
from workingup.services.errors import Conflict, Invalid, NotFound, ServiceError
from workingup.services.log import log_activity
from workingup.store import models
from workingup.store.agenda import (
    EndorsementRoundRow,
    EndorsementRow,
    NameConsentRow,
    RecommendationRow,
    RecommendationVersionRow,
)

LEANING_GROUPS = ("left", "center", "right", "undisclosed")
LEANING_LABELS = {
    "left": "Left-leaning",
    "center": "Centre",
    "right": "Right-leaning",
    "undisclosed": "Undisclosed",
}


def open_round(
    session: Session, dialogue: models.Dialogue, rule: AdoptionRule, *, threshold: float | None = None
) -> EndorsementRoundRow:
    rule = AdoptionRule(rule)
    if rule == AdoptionRule.THRESHOLD:
        if threshold is None or not 0 < threshold <= 1:
            raise ServiceError("a threshold rule needs a threshold above 0 and at most 1 (e.g. 0.75)")
    elif threshold is not None:
        raise ServiceError("unanimity takes no threshold")
    current = latest_round(session, dialogue)
    if current is not None and current.closed_at is None:
        raise Conflict(f"endorsement round {current.id} is still open; close it first")
    if not recommendations.all_of(session, dialogue):
        raise ServiceError(f"dialogue {dialogue.slug!r} has no recommendations to endorse yet")
    row = EndorsementRoundRow(dialogue_id=dialogue.id, rule=rule, threshold=threshold)
    session.add(row)
    session.flush()
    log_activity(
        session, dialogue, "round_opened", f"Endorsement round {row.id} opened ({describe_rule(row)})"
    )
    from workingup.services.demo import simulate_stances

    simulate_stances(session, dialogue)  # a simulated table answers at once; real people never are
    return row


def close_round(session: Session, dialogue: models.Dialogue) -> EndorsementRoundRow:
    current = latest_round(session, dialogue)
    if current is None or current.closed_at is not None:
        raise NotFound("there is no open endorsement round")
    current.closed_at = datetime.now(UTC)
    session.flush()
    log_activity(session, dialogue, "round_closed", f"Endorsement round {current.id} closed")
    return current


def latest_round(session: Session, dialogue: models.Dialogue) -> EndorsementRoundRow | None:
    return session.scalars(
        select(EndorsementRoundRow)
        .where(EndorsementRoundRow.dialogue_id == dialogue.id)
        .order_by(EndorsementRoundRow.id.desc())
        .limit(1)
    ).first()


def describe_rule(round_: EndorsementRoundRow) -> str:
    if round_.rule == AdoptionRule.UNANIMITY:
        return "unanimity: no block, everyone endorses or stands aside"
    return (
        f"threshold: at least {round_.threshold:.0%} of the table endorses, those standing aside not counted"
    )


def find_participant(session: Session, dialogue: models.Dialogue, reference: str | int) -> models.Participant:
    """A table member by database id or by the external id the roster was imported with."""
    text = str(reference).strip()
    person = None
    if text.isdigit():
        person = session.get(models.Participant, int(text))
        if person is not None and person.dialogue_id != dialogue.id:
            person = None
    if person is None:
        person = session.scalars(
            select(models.Participant).where(
                models.Participant.dialogue_id == dialogue.id, models.Participant.external_id == text
            )
        ).one_or_none()
    if person is None:
        raise NotFound(f"dialogue {dialogue.slug!r} has no participant {text!r}")
    return person


def record(
    session: Session,
    dialogue: models.Dialogue,
    participant: str | int | models.Participant,
    recommendation: int | str,
    stance: Stance | str,
    text: str = "",
) -> EndorsementRow:
    """One stakeholder's stance on the current wording of one recommendation, in the open round."""
    round_ = latest_round(session, dialogue)
    if round_ is None or round_.closed_at is not None:
        raise ServiceError("there is no open endorsement round; open one first")
    try:
        stance = Stance(stance)
    except ValueError:
        raise Invalid(
            f"a stance is one of {', '.join(s.value for s in Stance)}, not {stance!r}", "stance"
        ) from None
    person = (
        participant
        if isinstance(participant, models.Participant)
        else find_participant(session, dialogue, participant)
    )
    if person.dialogue_id != dialogue.id:
        raise NotFound(f"participant {person.id} is not in dialogue {dialogue.slug!r}")
    if person.role != Role.STAKEHOLDER:
        raise ServiceError(
            f"participant {person.external_id or person.id} is a {person.role.value.replace('_', ' ')}, "
            "not a stakeholder at the table; only stakeholders endorse"
        )
    row = recommendations.get(session, dialogue, recommendations.parse_number(recommendation))
    if row.withdrawn:
        raise ServiceError(f"R{row.number} was withdrawn")
    text = text.strip()
    if stance == Stance.BLOCK and not text:
        raise Invalid("a block needs its reason: the table must be able to see why", "text", "--text")
    if stance == Stance.RESERVATIONS and not text:
        raise Invalid("endorsing with reservations needs the reservations: write them", "text", "--text")
    endorsement = EndorsementRow(
        round_id=round_.id,
        recommendation_id=row.id,
        version_id=row.current.id,
        participant_id=person.id,
        stance=stance,
        text=text,
    )
    session.add(endorsement)
    session.flush()
    return endorsement


def import_stances(session: Session, dialogue: models.Dialogue, path: Path) -> list[EndorsementRow]:
    """A round recorded on paper or in a meeting: CSV with participant, recommendation, stance, text.

    All or nothing: the first bad line stops the import, naming the line, and nothing is written.
    """
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as error:
        raise ServiceError(f"cannot read {path}: {error.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        needed = {"participant", "recommendation", "stance"}
        missing = needed - set(reader.fieldnames or ())
        if missing:
            raise ServiceError(f"{path.name}: missing column(s) {', '.join(sorted(missing))}")
        added = []
        with session.begin_nested():
            for line, item in enumerate(reader, start=2):
                try:
                    added.append(
                        record(
                            session,
                            dialogue,
                            item["participant"] or "",
                            item["recommendation"] or "",
                            (item["stance"] or "").strip(),
                            item.get("text") or "",
                        )
                    )
                except ServiceError as error:
                    raise ServiceError(f"{path.name}, line {line}: {error}") from None
    return added


def set_name_consent(session: Session, participant: models.Participant, named: bool) -> NameConsentRow:
    row = session.get(NameConsentRow, participant.id)
    if row is None:
        row = NameConsentRow(participant_id=participant.id, named=named)
        session.add(row)
    else:
        row.named = named
        row.recorded_at = datetime.now(UTC)
    session.flush()
    return row


def consents(session: Session, dialogue: models.Dialogue) -> set[int]:
    """Participants who agreed to be named."""
    return set(
        session.scalars(
            select(NameConsentRow.participant_id)
            .join(models.Participant, models.Participant.id == NameConsentRow.participant_id)
            .where(models.Participant.dialogue_id == dialogue.id, NameConsentRow.named.is_(True))
        )
    )


@dataclass(frozen=True)
class Statement:
    """A stance worth publishing with its text: a reservation or a block."""

    stance: Stance
    text: str
    name: str | None
    """Only with the stakeholder's consent."""


@dataclass(frozen=True)
class Breakdown:
    """Stances per pool of at least five stakeholders (sector or leaning)."""

    pools: tuple[Pool, ...]
    counts: dict[str, dict[str, int]]


@dataclass(frozen=True)
class RecommendationResult:
    number: int
    title: str
    version: int
    outcome: Outcome
    explanation: str
    table_size: int
    counts: dict[Stance, int]
    no_answer: int
    stale: int
    """Stances given on an earlier wording, not counted."""
    blocks: tuple[Statement, ...]
    reservations: tuple[Statement, ...]
    by_sector: Breakdown
    by_leaning: Breakdown

    @property
    def supporting(self) -> int:
        return self.counts[Stance.ENDORSE] + self.counts[Stance.RESERVATIONS]


@dataclass(frozen=True)
class RoundResults:
    round_id: int | None
    rule: AdoptionRule | None
    threshold: float | None
    rule_text: str
    open: bool
    opened_at: datetime | None
    closed_at: datetime | None
    recommendations: tuple[RecommendationResult, ...] = field(default=())

    def result(self, number: int) -> RecommendationResult:
        for item in self.recommendations:
            if item.number == number:
                return item
        raise NotFound(f"R{number} is not in the round's results")


def results(session: Session, dialogue: models.Dialogue) -> RoundResults:
    """The latest round's results for every recommendation (empty rule when no round was opened yet)."""
    round_ = latest_round(session, dialogue)
    rows = recommendations.all_of(session, dialogue)
    table = list(
        session.scalars(
            select(models.Participant)
            .where(models.Participant.dialogue_id == dialogue.id, models.Participant.role == Role.STAKEHOLDER)
            .order_by(models.Participant.id)
        )
    )
    sector_labels = {s.key: s.label for s in dialogue.sectors}
    sector_sizes: dict[str, int] = dict.fromkeys(sector_labels, 0)
    for person in table:
        key = person.sector or "unassigned"
        sector_sizes[key] = sector_sizes.get(key, 0) + 1
    sector_pools = pool_groups(
        sector_sizes, lambda k: sector_labels.get(k, "No sector"), other_label="Other sectors"
    )
    leaning_sizes = dict.fromkeys(LEANING_GROUPS, 0)
    for person in table:
        leaning_sizes[leaning_group(person.leaning)] += 1
    leaning_pools = pool_groups(leaning_sizes, LEANING_LABELS, other_label="Other leanings")
    named = consents(session, dialogue)

    if round_ is None:
        return RoundResults(None, None, None, "no endorsement round yet", False, None, None)
    latest = _latest_stances(session, round_.id)
    people = {p.id: p for p in table}
    outcomes = []
    for rec in rows:
        stances = {pid: row for (rid, pid), row in latest.items() if rid == rec.id and pid in people}
        current = {pid: row for pid, row in stances.items() if row.version_id == rec.current.id}
        outcomes.append(
            _result(
                rec,
                round_,
                people,
                current,
                stale=len(stances) - len(current),
                named=named,
                sector_pools=sector_pools,
                leaning_pools=leaning_pools,
            )
        )
    return RoundResults(
        round_id=round_.id,
        rule=round_.rule,
        threshold=round_.threshold,
        rule_text=describe_rule(round_),
        open=round_.closed_at is None,
        opened_at=round_.opened_at,
        closed_at=round_.closed_at,
        recommendations=tuple(outcomes),
    )


def stances_of(
    session: Session, dialogue: models.Dialogue, participant: models.Participant
) -> dict[int, EndorsementRow]:
    """One participant's latest stance per recommendation number in the latest round (for their own page)."""
    round_ = latest_round(session, dialogue)
    if round_ is None:
        return {}
    numbers = {r.id: r.number for r in recommendations.all_of(session, dialogue)}
    latest: dict[int, EndorsementRow] = {}
    for row in session.scalars(
        select(EndorsementRow)
        .where(EndorsementRow.round_id == round_.id, EndorsementRow.participant_id == participant.id)
        .order_by(EndorsementRow.id)
    ):
        if row.recommendation_id in numbers:
            latest[numbers[row.recommendation_id]] = row
    return latest


def wording_of(session: Session, stance: EndorsementRow) -> RecommendationVersionRow:
    """The version of the recommendation a stance was given on: one on an earlier wording no longer counts."""
    return session.get_one(RecommendationVersionRow, stance.version_id)


def leaning_group(leaning: Leaning) -> str:
    return leaning.side or "undisclosed"


def _latest_stances(session: Session, round_id: int) -> dict[tuple[int, int], EndorsementRow]:
    latest: dict[tuple[int, int], EndorsementRow] = {}
    for row in session.scalars(
        select(EndorsementRow).where(EndorsementRow.round_id == round_id).order_by(EndorsementRow.id)
    ):
        latest[(row.recommendation_id, row.participant_id)] = row
    return latest


def _result(
    rec: RecommendationRow,
    round_: EndorsementRoundRow,
    people: dict[int, models.Participant],
    current: dict[int, EndorsementRow],
    *,
    stale: int,
    named: set[int],
    sector_pools: Sequence[Pool],
    leaning_pools: Sequence[Pool],
) -> RecommendationResult:
    counts = dict.fromkeys(Stance, 0)
    for row in current.values():
        counts[row.stance] += 1
    n = len(people)
    no_answer = n - len(current)
    outcome, explanation = decide(
        round_.rule,
        round_.threshold,
        counts,
        table_size=n,
        no_answer=no_answer,
        open=round_.closed_at is None,
    )

    def published(stance: Stance) -> tuple[Statement, ...]:
        return tuple(
            Statement(
                stance,
                row.text,
                publishable_name(people[pid].display_name, pid in named),
            )
            for pid, row in sorted(current.items(), key=lambda item: item[1].id)
            if row.stance == stance
        )

    def breakdown(pools: Sequence[Pool], key: Iterable[tuple[object, str]]) -> Breakdown:
        return Breakdown(tuple(pools), count_by_pool(pools, key))

    answered = [(people[pid], row.stance.value) for pid, row in current.items()]
    return RecommendationResult(
        number=rec.number,
        title=rec.current.title,
        version=rec.current.number,
        outcome=outcome,
        explanation=explanation,
        table_size=n,
        counts=counts,
        no_answer=no_answer,
        stale=stale,
        blocks=published(Stance.BLOCK),
        reservations=published(Stance.RESERVATIONS),
        by_sector=breakdown(sector_pools, ((p.sector or "unassigned", s) for p, s in answered)),
        by_leaning=breakdown(leaning_pools, ((leaning_group(p.leaning), s) for p, s in answered)),
    )


def decide(
    rule: AdoptionRule,
    threshold: float | None,
    counts: dict[Stance, int],
    *,
    table_size: int,
    no_answer: int,
    open: bool,
) -> tuple[Outcome, str]:
    """The outcome under a rule, with one sentence saying why (pure: the rule's whole logic is here)."""
    supporting = counts[Stance.ENDORSE] + counts[Stance.RESERVATIONS]
    blocks = counts[Stance.BLOCK]
    aside = counts[Stance.STAND_ASIDE]
    if table_size == 0:
        return Outcome.NOT_ADOPTED, "the dialogue has no stakeholders at the table"
    block_note = f"{blocks} block{'s' if blocks != 1 else ''}"
    if rule == AdoptionRule.UNANIMITY:
        if blocks:
            return Outcome.BLOCKED, f"{block_note} under unanimity"
        if no_answer:
            if open:
                return Outcome.PENDING, f"{no_answer} of {table_size} stakeholders have not answered yet"
            return (
                Outcome.NOT_ADOPTED,
                f"{no_answer} of {table_size} stakeholders did not answer before the round closed",
            )
        if supporting == 0:
            return Outcome.NOT_ADOPTED, "everyone stood aside; nobody endorsed"
        return Outcome.ADOPTED, "unanimous: no block, everyone endorses or stands aside"
    assert threshold is not None
    counted = table_size - aside
    share = supporting / counted if counted else 0.0
    reached = counted > 0 and share >= threshold
    if no_answer and open and not reached:
        waiting = f"{no_answer} of {table_size} stakeholders have not answered yet"
        return Outcome.PENDING, waiting + (f"; {block_note} recorded" if blocks else "")
    figures = f"{supporting} of {counted} endorse ({share:.0%}; threshold {threshold:.0%})"
    if blocks:
        figures += f"; {block_note} recorded"
    return (Outcome.ADOPTED if reached else Outcome.NOT_ADOPTED), figures
