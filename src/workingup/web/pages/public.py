"""The public pages: the list of dialogues and each dialogue's front page.

The front page leads with what the dialogue agrees on once results are published (web/public_view.py), then
where it divides and the opinion map; the full table is a page of its own (web/pages/public_face.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from workingup.domain import Moderation
from workingup.services import story as stories
from workingup.services.dialogues import counts, get_dialogue, list_dialogues
from workingup.services.disclosure import MIN_GROUP
from workingup.services.results import public_results
from workingup.web.deps import SessionDep, UnitOfWorkRoute
from workingup.web.glossary import TERMS
from workingup.web.public_charts import share_label
from workingup.web.public_view import public_view
from workingup.web.rendering import render
from workingup.web.security import page_facilitator, page_participant
from workingup.web.strings import catalogue

_ = catalogue()
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
    view = public_view(session, dialogue, results) if results is not None else None
    return render(
        request,
        "dialogue.html",
        {
            "dialogue": dialogue,
            "counts": counts(session, dialogue.id),
            "accepted": Moderation.ACCEPTED,
            "results": results,
            "view": view,
            "story": stories.story_of(dialogue),
            "steps": stories.timeline(dialogue),
            "share_label": share_label,
            "og_description": og_description(view.summary.agreed_total, results.voters)
            if view is not None and results is not None and view.summary.analysed
            else None,
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


def og_description(agreed: int, voters: int | None) -> str | None:
    """The social preview's sentence: only figures the page itself shows (no count of voters under MIN_GROUP)."""
    if voters is None:
        return None
    return _("public.og_description", agreed=agreed, voters=f"{voters:,}")
