"""The public face of a dialogue beyond its front page: every result in one table, and who is at the table.

Each page has a stable address under /d/{slug}/, carries its own Open Graph description, and shows nothing that
the public results (`services/results.py`, nothing under five people) and the consent to be named
(`services/public_table.py`) do not already allow. The full table's sorting and filtering are links and a GET
form answered here: they work without script, and the address of a sorted, filtered view can be shared.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

from fastapi import APIRouter, Request
from fastapi.responses import Response

from workingup.services import records
from workingup.services.dialogues import counts, get_dialogue
from workingup.services.disclosure import MIN_GROUP
from workingup.services.public_summary import public_summary
from workingup.services.public_table import public_table
from workingup.services.results import PUBLIC_SIDES, PublicResults, StatementResult, public_results
from workingup.web.deps import SessionDep, UnitOfWorkRoute
from workingup.web.headline_image import headline_png
from workingup.web.public_charts import SIDE_COLOURS, CountRow, count_svg
from workingup.web.rendering import render
from workingup.web.security import page_facilitator
from workingup.web.strings import catalogue

_ = catalogue()
router = APIRouter(include_in_schema=False, route_class=UnitOfWorkRoute)

SORTS = ("id", "agree", "disagree", "voters")
"""How the full table can be ordered: as added, by share agreeing, by share disagreeing, by number of votes."""


def _sort_key(sort: str) -> Callable[[StatementResult], tuple[float, int]]:
    def share(r: StatementResult, part: str) -> float:
        t = r.overall
        if t.voters is None or not t.voters:
            return -1.0  # hidden figures sort last
        return float(getattr(t, part) or 0) / t.voters

    if sort == "agree":
        return lambda r: (-share(r, "agree"), r.statement_id)
    if sort == "disagree":
        return lambda r: (-share(r, "disagree"), r.statement_id)
    if sort == "voters":
        return lambda r: (-(r.overall.voters or 0), r.statement_id)
    return lambda r: (0.0, r.statement_id)


def results_by_area(
    dialogue: records.Dialogue, results: PublicResults, area: str | None = None, sort: str = "id"
) -> list[tuple[str | None, list[StatementResult]]]:
    """The statements grouped by focus area in the dialogue's order, optionally one area only, each sorted."""
    order = {fa.title: i for i, fa in enumerate(dialogue.focus_areas)}
    wanted = next((fa.title for fa in dialogue.focus_areas if fa.key == area), None)
    rows = [r for r in results.statements if wanted is None or r.focus_area == wanted]
    grouped = [
        (title, list(items))
        for title, items in groupby(
            sorted(rows, key=lambda r: (order.get(r.focus_area or "", len(order)), r.statement_id)),
            key=lambda r: r.focus_area,
        )
    ]
    key = _sort_key(sort)
    return [(title, sorted(items, key=key)) for title, items in grouped]


@router.get("/d/{slug}/results", name="public_results_page")
def full_results(
    request: Request, slug: str, session: SessionDep, area: str = "", sort: str = "id"
) -> Response:
    dialogue = get_dialogue(session, slug)
    sort = sort if sort in SORTS else "id"
    known = {fa.key for fa in dialogue.focus_areas}
    area = area if area in known else ""
    results = public_results(session, dialogue) if dialogue.published else None
    return render(
        request,
        "public/results.html",
        {
            "dialogue": dialogue,
            "counts": counts(session, dialogue.id),
            "results": results,
            "results_by_area": results_by_area(dialogue, results, area or None, sort) if results else [],
            "sides": PUBLIC_SIDES,
            "min_group": MIN_GROUP,
            "area": area,
            "sort": sort,
            "sorts": SORTS,
            "facilitator": page_facilitator(request, session),
            "current": "results",
        },
    )


@router.get("/d/{slug}/stakeholders", name="stakeholders_page")
def stakeholders(request: Request, slug: str, session: SessionDep) -> Response:
    dialogue = get_dialogue(session, slug)
    table = public_table(session, dialogue)
    hidden = _("public.balance_hidden")
    sectors_svg = count_svg(
        [CountRow(s.label, s.filled, s.planned) for s in table.sectors],
        "balance-sectors",
        _("public.balance_sectors"),
        hidden,
    )
    side_colour = {"left": "left", "center": "center", "right": "right"}
    leanings_svg = count_svg(
        [
            CountRow(
                p.label,
                None if p.suppressed else p.size,
                colour=SIDE_COLOURS.get(side_colour.get(str(p.keys[0]), "all"), SIDE_COLOURS["all"])
                if len(p.keys) == 1
                else SIDE_COLOURS["all"],
            )
            for p in table.leanings
        ],
        "balance-leanings",
        _("public.balance_leanings"),
        hidden,
    )
    return render(
        request,
        "public/stakeholders.html",
        {
            "dialogue": dialogue,
            "counts": counts(session, dialogue.id),
            "table": table,
            "sectors_svg": sectors_svg,
            "leanings_svg": leanings_svg,
            "facilitator": page_facilitator(request, session),
            "current": "table",
        },
    )


@router.get("/d/{slug}/headline.png", name="headline_image")
def headline_image(slug: str, session: SessionDep) -> Response:
    """The social preview's picture: the most agreed statement, its share and range, once results are public."""
    dialogue = get_dialogue(session, slug)
    statement: str | None = None
    share = None
    heading = _("public.og_heading_unpublished")
    caption = _("public.og_description_none")
    if dialogue.published:
        results = public_results(session, dialogue)
        summary = public_summary(session, dialogue, results)
        if summary.agreed:
            top = summary.agreed[0]
            statement, share = top.text, top.overall
            heading = _("public.og_heading")
            caption = _(
                "public.og_caption",
                percent=share.percent,
                agree=share.agree,
                voters=share.voters,
                low=share.low_percent,
                high=share.high_percent,
                total=summary.agreed_total,
            )
    png = headline_png(dialogue.title, heading, statement, share, caption)
    return Response(png, media_type="image/png")
