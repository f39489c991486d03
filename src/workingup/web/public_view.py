"""What the public dialogue page shows above its full table: the headline findings drawn, and the opinion map.

The findings come from `services.public_summary` (public tallies, the analysis's verdicts); this module only
draws them (`web/public_charts.py`) and places the statements they name on the opinion map. The public map is
not the dashboard's: groups smaller than MIN_GROUP are drawn as ungrouped and left out of its description, and
the only statements placed on it are the accepted ones the page lists beside it, so every number on the map is
one the page explains.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from workingup.services import records
from workingup.services.analysis_runs import latest_run
from workingup.services.disclosure import MIN_GROUP
from workingup.services.public_summary import Finding, PublicSummary, public_summary
from workingup.services.results import PublicResults
from workingup.services.stored_analysis import StoredAnalysis
from workingup.web.opinion_map import MapGroup, MapStatement, opinion_map_svg
from workingup.web.public_charts import finding_svg
from workingup.web.strings import catalogue

_ = catalogue()


@dataclass(frozen=True)
class DrawnFinding:
    finding: Finding
    svg: str


@dataclass(frozen=True)
class PublicView:
    summary: PublicSummary
    agreed: list[DrawnFinding]
    near: list[DrawnFinding]
    divided: list[DrawnFinding]
    map_svg: str | None
    map_statements: list[tuple[int, str]]
    """(id, text) of the statements numbered on the map, in the order the page lists them."""


def group_positions(results: PublicResults) -> dict[str, int]:
    """A group's colour index: its position among the published groups (the map and the bars agree)."""
    return {name: i for i, (name, _size) in enumerate(results.groups)}


def public_view(session: Session, dialogue: records.Dialogue, results: PublicResults) -> PublicView:
    summary = public_summary(session, dialogue, results)
    colours = group_positions(results)

    def drawn(items: tuple[Finding, ...], prefix: str) -> list[DrawnFinding]:
        return [DrawnFinding(f, finding_svg(f, f"{prefix}-{f.statement_id}", colours)) for f in items]

    shown = [*summary.agreed, *summary.near, *summary.divided]
    map_svg, placed = _public_map(session, dialogue, results, shown)
    return PublicView(
        summary=summary,
        agreed=drawn(summary.agreed, "agreed"),
        near=drawn(summary.near, "near"),
        divided=drawn(summary.divided, "divided"),
        map_svg=map_svg,
        map_statements=placed,
    )


def _public_map(
    session: Session, dialogue: records.Dialogue, results: PublicResults, shown: list[Finding]
) -> tuple[str | None, list[tuple[int, str]]]:
    run = latest_run(session, dialogue.id)
    if run is None or results.voters is None:
        return None, []
    data = StoredAnalysis.of(run).opinions
    published = group_positions(results)
    colour_of = {
        g.label: published[g.name] for g in data.groups if g.name in published and g.size >= MIN_GROUP
    }
    participants = data.participants
    xy = [
        [x if x is not None else float("nan"), y if y is not None else float("nan")]
        for x, y in zip(participants.x, participants.y, strict=True)
    ]
    labels = [-1 if g is None or g not in colour_of else colour_of[g] for g in participants.group]
    st = data.statements
    index = {sid: i for i, sid in enumerate(st.id)}
    placed = [
        (f.statement_id, f.text)
        for f in shown
        if f.statement_id in index
        and st.x[index[f.statement_id]] is not None
        and st.y[index[f.statement_id]] is not None
    ]
    statements = [
        MapStatement(sid, float(st.x[index[sid]] or 0.0), float(st.y[index[sid]] or 0.0), f"#{sid}: {text}")
        for sid, text in placed
    ]
    sizes = ", ".join(_("public.group_size", name=name, n=size) for name, size in results.groups)
    svg = opinion_map_svg(
        xy,
        labels,
        [MapGroup(i, name, size) for i, (name, size) in enumerate(results.groups)],
        statements,
        title=_("public.map_title"),
        description=_("public.map_description", k=len(results.groups), groups=sizes or "–"),
        element_id="public-map",
    )
    return svg, placed
