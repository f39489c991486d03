"""The facilitators' Story page: edit the public story (challenge, timeline, next steps, supporters, contacts).

A form that keeps the facilitator's work: a refused field answers with the form again, filled with what they
wrote and the reason, after rolling the request back (docs/architecture.md §2); a saved story redirects back
with a notice. The public page reads the same story through `services/story.py`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from workingup.domain import Phase, Story
from workingup.services import story as stories
from workingup.services.errors import ServiceError
from workingup.web.deps import SessionDep, UnitOfWorkRoute
from workingup.web.rendering import render
from workingup.web.security import CsrfChecked, PageFacilitator
from workingup.web.strings import catalogue

router = APIRouter(include_in_schema=False, route_class=UnitOfWorkRoute)
_ = catalogue()


def _form_values(story: Story) -> dict[str, object]:
    planned = {m.phase: m for m in story.timeline}
    return {
        "challenge": story.challenge,
        "next_steps": story.next_steps,
        "supporters": "\n".join(story.supporters),
        "contacts": stories.contact_lines(story),
        "milestones": {
            p.value: (planned[p].date if p in planned else "", planned[p].text if p in planned else "")
            for p in Phase
        },
    }


def _page(
    request: Request, ctx: PageFacilitator, values: dict[str, object], error: str | None, notice: str | None
) -> Response:
    return render(
        request,
        "facilitator/story.html",
        {
            "dialogue": ctx.dialogue,
            "facilitator": ctx.facilitator,
            "current": "story_page",
            "values": values,
            "phases": list(Phase),
            "error": error,
            "notice": _("notice.story_saved") if notice == "saved" else None,
        },
        status_code=400 if error else 200,
    )


@router.get("/f/{slug}/story", name="story_page")
def story_page(request: Request, slug: str, ctx: PageFacilitator, notice: str = "") -> Response:
    return _page(request, ctx, _form_values(stories.story_of(ctx.dialogue)), None, notice)


@router.post("/f/{slug}/story", dependencies=[CsrfChecked])
async def save_story(request: Request, slug: str, session: SessionDep, ctx: PageFacilitator) -> Response:
    form = await request.form()

    def field(name: str) -> str:
        value = form.get(name, "")
        return value if isinstance(value, str) else ""

    milestones = {p: (field(f"date_{p.value}"), field(f"text_{p.value}")) for p in Phase}
    try:
        stories.update_story(
            ctx.dialogue,
            challenge=field("challenge"),
            next_steps=field("next_steps"),
            supporters=field("supporters"),
            contacts=field("contacts"),
            milestones=milestones,
        )
    except ServiceError as error:
        session.rollback()  # the refusal answers with the form again: nothing of this request is kept
        values: dict[str, object] = {
            "challenge": field("challenge"),
            "next_steps": field("next_steps"),
            "supporters": field("supporters"),
            "contacts": field("contacts"),
            "milestones": {p.value: milestones[p] for p in Phase},
        }
        return _page(request, ctx, values, str(error), None)
    url = str(request.url_for("story_page", slug=slug))
    return RedirectResponse(f"{url}?notice=saved", status_code=303)
