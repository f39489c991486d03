"""Public API: a dialogue's description and focus areas, and its aggregate results once published."""

from __future__ import annotations

from fastapi import APIRouter

from workingup.domain import Moderation
from workingup.services import records
from workingup.services.dialogues import counts, get_dialogue
from workingup.services.disclosure import MIN_GROUP
from workingup.services.errors import NotFound
from workingup.services.results import Tally, public_results
from workingup.web.deps import SessionDep, UnitOfWorkRoute
from workingup.web.errors import error_responses
from workingup.web.schemas import (
    CountsPublic,
    DialoguePublic,
    FocusAreaPublic,
    ResultsPublic,
    StatementResultPublic,
    TallyPublic,
)
from workingup.web.strings import catalogue

router = APIRouter(prefix="/api/v1", tags=["public"], route_class=UnitOfWorkRoute)
_ = catalogue()


def dialogue_public(session: SessionDep, dialogue: records.Dialogue) -> DialoguePublic:
    totals = counts(session, dialogue.id)
    return DialoguePublic(
        slug=dialogue.slug,
        title=dialogue.title,
        description=dialogue.description,
        phase=dialogue.phase,
        phase_label=_.label("phase", dialogue.phase),
        ground_rules=list(dialogue.ground_rules),
        focus_areas=[
            FocusAreaPublic(
                key=fa.key,
                title=fa.title,
                description=fa.description,
                inquiry_areas=[ia.title for ia in fa.inquiry_areas],
            )
            for fa in dialogue.focus_areas
        ],
        open_join=dialogue.open_join,
        voting_open=dialogue.voting_closed_at is None,
        voting_closed_at=dialogue.voting_closed_at,
        results_published=dialogue.published,
        simulated_data=totals.any_simulated,
        counts=CountsPublic(
            participants=totals.participants,
            statements=totals.statements_by_moderation[Moderation.ACCEPTED],
            votes=totals.current_votes,
        ),
    )


@router.get(
    "/dialogues/{slug}",
    operation_id="get_dialogue",
    response_model=DialoguePublic,
    responses=error_responses(404),
)
def get_dialogue_api(slug: str, session: SessionDep) -> DialoguePublic:
    return dialogue_public(session, get_dialogue(session, slug))


def _tally(t: Tally) -> TallyPublic:
    return TallyPublic(voters=t.voters, agree=t.agree, disagree=t.disagree, passed=t.passed)


@router.get(
    "/dialogues/{slug}/results",
    operation_id="get_results",
    response_model=ResultsPublic,
    responses=error_responses(404),
    summary="Aggregate results, once published; groups under 5 people are suppressed",
)
def get_results(slug: str, session: SessionDep) -> ResultsPublic:
    dialogue = get_dialogue(session, slug)
    if not dialogue.published:
        raise NotFound("the results of this dialogue are not published")
    results = public_results(session, dialogue)
    return ResultsPublic(
        min_group=MIN_GROUP,
        voters=results.voters,
        statements=[
            StatementResultPublic(
                id=r.statement_id,
                text=r.text,
                focus_area=r.focus_area,
                overall=_tally(r.overall),
                by_side={side: _tally(t) for side, t in r.by_side.items()},
            )
            for r in results.statements
        ],
    )
