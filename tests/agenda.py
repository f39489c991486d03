"""Shared setup for the agenda tests: a demo table with converged statements, and quick ways to use it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workingup.dialogues import load_definition
from workingup.domain import AdoptionRule, Horizon, RecommendationType, Role, Stance
from workingup.runtime.database import Database
from workingup.services import endorsements
from workingup.services.analysis import DialogueAnalysis, analyze_dialogue
from workingup.services.demo import populate_demo
from workingup.services.dialogues import install_definition
from workingup.store import models


@dataclass(frozen=True)
class Table:
    dialogue_id: int
    converged: tuple[int, ...]
    """Statement ids with verdict "convergence", strongest first."""
    divided: tuple[int, ...]
    stakeholders: tuple[int, ...]
    """Participant ids of the 30 seats, in roster order."""


def demo_table(database: Database, *, public: int = 0, seed: int = 3) -> tuple[Table, DialogueAnalysis]:
    """The Working Up dialogue with a simulated table (and `public` simulated members of the public)."""
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        populate_demo(session, dialogue, public=public, seed=seed)
    with database.sessions() as session:
        dialogue = session.get_one(models.Dialogue, dialogue.id)
        analysis = analyze_dialogue(session, dialogue)
        stakeholders = tuple(
            session.scalars(
                select(models.Participant.id)
                .where(
                    models.Participant.dialogue_id == dialogue.id, models.Participant.role == Role.STAKEHOLDER
                )
                .order_by(models.Participant.id)
            )
        )
    ids = analysis.convergence.statement_ids.tolist()
    verdict = analysis.convergence.verdict.tolist()
    support = analysis.convergence.groups.cross_bloc_support.tolist()
    converged = sorted(
        (i for i, v in zip(ids, verdict, strict=True) if v == "convergence"),
        key=lambda i: -support[ids.index(i)],
    )
    divided = tuple(i for i, v in zip(ids, verdict, strict=True) if v == "divided")
    return Table(dialogue.id, tuple(converged), divided, stakeholders), analysis


def dialogue(session: Session, table: Table) -> models.Dialogue:
    return session.get_one(models.Dialogue, table.dialogue_id)


def same_focus(session: Session, statement_ids: tuple[int, ...], n: int) -> list[int]:
    """`n` of the statements sharing one focus area."""
    by_area: dict[int | None, list[int]] = {}
    for sid in statement_ids:
        by_area.setdefault(session.get_one(models.Statement, sid).focus_area_id, []).append(sid)
    for ids in by_area.values():
        if len(ids) >= n:
            return ids[:n]
    raise AssertionError(f"no focus area has {n} of these statements")


DRAFT = {"kind": RecommendationType.POLICY, "horizon": Horizon.NEAR_TERM, "actors": ["Congress", "employers"]}


def adopt(session: Session, dialogue: models.Dialogue, number: int) -> None:
    """Every stakeholder at the table endorses R`number` (in the open round, or a new one under unanimity), so
    it is adopted: commitments are recorded only against adopted recommendations."""
    current = endorsements.latest_round(session, dialogue)
    if current is None or current.closed_at is not None:
        endorsements.open_round(session, dialogue, AdoptionRule.UNANIMITY)
    table = session.scalars(
        select(models.Participant.id).where(
            models.Participant.dialogue_id == dialogue.id, models.Participant.role == Role.STAKEHOLDER
        )
    )
    for pid in table:
        endorsements.record(session, dialogue, pid, number, Stance.ENDORSE)
