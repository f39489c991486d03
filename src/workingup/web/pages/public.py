"""The public pages: the list of dialogues and each dialogue's description, focus areas and published results."""

from __future__ import annotations

from itertools import groupby

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from workingup.domain import Moderation
from workingup.services.dialogues import counts, get_dialogue, list_dialogues
from workingup.services.disclosure import MIN_GROUP
from workingup.services.results import PUBLIC_SIDES, public_results
from workingup.web.deps import SessionDep, UnitOfWorkRoute
from workingup.web.glossary import TERMS
from workingup.web.rendering import render
from workingup.web.security import page_facilitator, page_participant

router = APIRouter(include_in_schema=False, route_class=UnitOfWorkRoute)


@router.get("/")
def home(request: Request, session: SessionDep) -> Response:
    dialogues = list_dialogues(session)
    if len(dialogues) == 1:
        return RedirectResponse(request.url_for("dialogue_page", slug=dialogues[0].slug), status_code=303)
    return render(
        request, "index.html", {"dialogues": dialogues, "facilitator": page_facilitator(request, session)}
    )


@router.get("/d/{slug}", name="dialogue_page")
def dialogue_page(request: Request, slug: str, session: SessionDep, left: int = 0) -> Response:
    dialogue = get_dialogue(session, slug)
    results = public_results(session, dialogue) if dialogue.published else None
    order = {fa.title: i for i, fa in enumerate(dialogue.focus_areas)}
    by_area = (
        [
            (area, list(rows))
            for area, rows in groupby(
                sorted(results.statements, key=lambda r: order.get(r.focus_area or "", len(order))),
                key=lambda r: r.focus_area,
            )
        ]
        if results is not None
        else []
    )
    return render(
        request,
        "dialogue.html",
        {
            "dialogue": dialogue,
            "counts": counts(session, dialogue.id),
            "accepted": Moderation.ACCEPTED,
            "results": results,
            "results_by_area": by_area,
            "sides": PUBLIC_SIDES,
            "min_group": MIN_GROUP,
            "joined": page_participant(request, session, dialogue) is not None,
            "facilitator": page_facilitator(request, session),
            "left": bool(left),
        },
    )


@router.get("/glossary", name="glossary_page")
def glossary_page(request: Request) -> Response:
    """What every figure means, for anyone (public: the published results use the same words)."""
    return render(request, "glossary.html", {"terms": TERMS})
