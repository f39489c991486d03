"""Every table a facilitator sees, as data: the page renders it and the same object downloads as CSV.

Building each table once, here, is what guarantees that "download as CSV" gives exactly what the page shows
(all pages of it, for the moderation queue), with the same column headings.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from workingup.domain import Moderation
from workingup.services import moderation, records, roster
from workingup.services.dialogues import counts
from workingup.services.errors import NotFound
from workingup.web.strings import catalogue

_ = catalogue()

if TYPE_CHECKING:
    from workingup.web.analysis_view import AnalysisView


@dataclass(frozen=True)
class DataTable:
    name: str
    caption: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    numeric: frozenset[int] = field(default_factory=frozenset)
    ids: list[int] = field(default_factory=list)
    """The id of the item on each row, when rows stand for items a page acts on."""
    help: str = ""
    """The glossary entry (a `glossary.*` key, web/glossary.py) saying what the table's figures mean; shown in a
    `<details>` beside the table, which opens with a tap, a click or the keyboard (no hover needed)."""


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any, numeric: bool = False) -> str:
    """A cell for a CSV download: text a spreadsheet would run as a formula gets a leading apostrophe.

    Statement texts are written by anyone with the link; `=HYPERLINK(…)` must open as text in a facilitator's
    spreadsheet, never as a formula. Numeric columns keep their minus signs.
    """
    text = cell(value)
    if not numeric and text[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def to_csv(table: DataTable) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(
            [csv_cell(v, isinstance(v, int | float) or i in table.numeric) for i, v in enumerate(row)]
        )
    return out.getvalue()


def phases_table(session: Session, dialogue: records.Dialogue, _params: dict[str, str]) -> DataTable:
    return DataTable(
        "phases",
        _("setup.history"),
        (_("setup.history_phase"), _("setup.history_date")),
        [(_.label("phase", pc.phase), pc.changed_at) for pc in dialogue.phase_changes],
    )


def balance_table(session: Session, dialogue: records.Dialogue, _params: dict[str, str]) -> DataTable:
    audit = roster.balance_audit(session, dialogue)
    rows: list[tuple[Any, ...]] = [
        (r.sector_label, r.seats, *(r.by_side[s] for s in roster.SIDES), r.total) for r in audit.rows
    ]
    rows.append(
        (
            _("roster.total"),
            sum(r.seats for r in audit.rows),
            *(audit.totals[s] for s in roster.SIDES),
            sum(audit.totals.values()),
        )
    )
    return DataTable(
        "balance",
        _("roster.balance_intro"),
        (
            _("roster.sector"),
            _("roster.seats"),
            *(_.label("side", s) for s in roster.SIDES),
            _("roster.total"),
        ),
        rows,
        numeric=frozenset(range(1, 7)),
    )


def people_table(session: Session, dialogue: records.Dialogue, _params: dict[str, str]) -> DataTable:
    sectors = {s.key: s.label for s in dialogue.sectors}
    people = roster.people_at_the_table(session, dialogue)
    return DataTable(
        "people",
        _("roster.people"),
        (_("roster.name"), _("roster.role"), _("roster.sector"), _("roster.leaning"), _("roster.joined")),
        [
            (
                p.display_name or f"#{p.id}",
                _.label("role", p.role),
                sectors.get(p.sector or "", p.sector or ""),
                _.label("leaning", p.leaning),
                p.created_at,
            )
            for p in people
        ],
        ids=[p.id for p in people],
    )


def invitations_table(session: Session, dialogue: records.Dialogue, _params: dict[str, str]) -> DataTable:
    sectors = {s.key: s.label for s in dialogue.sectors}
    items = roster.invitations(session, dialogue)
    return DataTable(
        "invitations",
        _("roster.invitations"),
        (
            _("roster.invite_label"),
            _("roster.role"),
            _("roster.sector"),
            _("roster.status"),
            _("roster.created"),
            _("roster.accepted"),
        ),
        [
            (
                i.label,
                _.label("role", i.role),
                sectors.get(i.sector or "", i.sector or ""),
                _.label("invitation", i.status),
                i.created_at,
                i.accepted_at,
            )
            for i in items
        ],
        ids=[i.id for i in items],
    )


def queue_filter(params: dict[str, str]) -> moderation.QueueFilter:
    """The moderation queue's filter from query parameters (the page's and the CSV link's are the same)."""
    from workingup.domain import StatementKind

    status = params.get("status", "unmoderated")
    kind = params.get("kind") or None
    try:
        return moderation.QueueFilter(
            moderation=None if status == "all" else Moderation(status),
            focus_area=params.get("focus_area") or None,
            kind=StatementKind(kind) if kind else None,
            origin=params.get("origin") or None,
            query=params.get("q", ""),
        )
    except ValueError as error:
        raise NotFound(str(error)) from None


def statements_table(
    session: Session, dialogue: records.Dialogue, params: dict[str, str], page: int | None = None
) -> tuple[DataTable, moderation.QueuePage]:
    """The moderation queue as a table: one page of it for the screen, or every matching row (page=None)."""
    f = queue_filter(params)
    if page is None:
        result = moderation.queue(session, dialogue, f, 1, moderation.MAX_PAGE_SIZE)
        rows = list(result.rows)
        for extra in range(2, result.pages + 1):
            rows.extend(moderation.queue(session, dialogue, f, extra, moderation.MAX_PAGE_SIZE).rows)
        result = moderation.QueuePage(rows, 1, max(len(rows), 1), result.total)
    else:
        result = moderation.queue(session, dialogue, f, page)
    table = DataTable(
        "statements",
        _("mod.title"),
        (_("mod.statement"), _("mod.focus"), _("mod.kind"), _("mod.state"), _("mod.flags"), _("mod.votes")),
        [
            (
                r.statement.text,
                r.focus_area,
                _.label("kind", r.statement.kind),
                _.label("moderation", r.statement.moderation),
                " ".join(
                    flag
                    for flag, on in (
                        (_("mod.seed"), r.statement.is_seed),
                        (_("mod.meta"), r.statement.is_meta),
                    )
                    if on
                ),
                r.votes,
            )
            for r in result.rows
        ],
        numeric=frozenset({5}),
        ids=[r.statement.id for r in result.rows],
    )
    return table, result


def participation_table(session: Session, dialogue: records.Dialogue, _params: dict[str, str]) -> DataTable:
    totals = counts(session, dialogue.id)
    return DataTable(
        "participation",
        _("dash.participation"),
        (_("dash.role"), _("dash.people")),
        [(_.label("role", role), n) for role, n in totals.participants_by_role.items()],
        numeric=frozenset({1}),
    )


def moderation_status_table(
    session: Session, dialogue: records.Dialogue, _params: dict[str, str]
) -> DataTable:
    totals = counts(session, dialogue.id)
    return DataTable(
        "moderation-status",
        _("dash.statements_by_status"),
        (_("dash.status"), _("dash.count")),
        [(_.label("moderation", m), n) for m, n in totals.statements_by_moderation.items()],
        numeric=frozenset({1}),
    )


def top_statements_table(session: Session, dialogue: records.Dialogue, _params: dict[str, str]) -> DataTable:
    return DataTable(
        "top-statements",
        _("dash.top"),
        (_("mod.statement"), _("mod.votes")),
        moderation.most_voted(session, dialogue, limit=10),
        numeric=frozenset({1}),
    )


def analysis_tables(session: Session, dialogue: records.Dialogue) -> dict[str, DataTable] | None:
    """The dashboard's analysis tables, from the latest analysis; None before the first one."""
    from workingup.web.analysis_view import analysis_view

    view = analysis_view(session, dialogue)
    if view is None:
        return None
    return tables_of(view)


def tables_of(view: AnalysisView) -> dict[str, DataTable]:
    names = [g.name for g in view.groups]
    groups = DataTable(
        "groups",
        _("dash.table_groups"),
        (
            _("dash.group"),
            _("dash.people"),
            _("mod.statement"),
            _("dash.direction"),
            _("dash.share"),
            _("dash.count_of"),
            _("dash.others"),
        ),
        [
            (
                g.name,
                g.size,
                r.text,
                _(f"dash.{r.direction}"),
                f"{r.percent}%",
                f"{r.n_success}/{r.n_trials}",
                r.others_shown,
            )
            for g in view.groups
            for r in g.representative
        ],
        numeric=frozenset({1, 4, 6}),
        help="glossary.representative",
    )
    consensus = DataTable(
        "consensus",
        _("dash.table_consensus"),
        (_("mod.statement"), _("dash.direction"), _("dash.share"), _("dash.count_of")),
        [(s.text, _("dash.agree"), f"{round(100 * s.score)}%", s.detail) for s in view.consensus_agree]
        + [
            (s.text, _("dash.disagree"), f"{round(100 * s.score)}%", s.detail)
            for s in view.consensus_disagree
        ],
        numeric=frozenset({2}),
        help="glossary.majority",
    )
    group_consensus = DataTable(
        "group-consensus",
        _("dash.table_group_consensus"),
        (_("mod.statement"), _("dash.gic"), *(f"{_('dash.group')} {n}" for n in names)),
        [
            (s.text, s.detail, *(_pct(view.group_agree[s.statement_id][n]) for n in names))
            for s in view.group_consensus
        ],
        numeric=frozenset(range(1, 2 + len(names))),
        help="glossary.gic",
    )
    divisive = DataTable(
        "divisive",
        _("dash.table_divisive"),
        (_("mod.statement"), _("dash.spread"), *(f"{_('dash.group')} {n}" for n in names)),
        [
            (s.text, f"{s.score:.2f}", *(_pct(view.group_agree[s.statement_id][n]) for n in names))
            for s in view.divisive
        ],
        numeric=frozenset(range(1, 2 + len(names))),
        help="glossary.spread",
    )
    verdicts = DataTable(
        "verdicts",
        _("dash.table_verdicts"),
        (_("mod.statement"), _("dash.verdict_col"), _("dash.reason")),
        [(v.text, _(f"verdict.{v.verdict}"), v.reason) for v in view.verdicts],
        help="glossary.verdict",
    )
    return {
        "groups": groups,
        "consensus": consensus,
        "group_consensus": group_consensus,
        "divisive": divisive,
        "verdicts": verdicts,
    }


def _pct(value: int | None) -> str:
    return "" if value is None else f"{value}%"


def _analysis_table(key: str) -> Callable[[Session, records.Dialogue, dict[str, str]], DataTable]:
    def build(session: Session, dialogue: records.Dialogue, _params: dict[str, str]) -> DataTable:
        tables = analysis_tables(session, dialogue)
        if tables is None:
            raise NotFound("there is no analysis of this dialogue yet")
        return tables[key]

    return build


TableBuilder = Callable[[Session, records.Dialogue, dict[str, str]], DataTable]

TABLES: dict[str, TableBuilder] = {
    "phases": phases_table,
    "balance": balance_table,
    "people": people_table,
    "invitations": invitations_table,
    "statements": lambda s, d, p: statements_table(s, d, p)[0],
    "participation": participation_table,
    "moderation-status": moderation_status_table,
    "top-statements": top_statements_table,
    "groups": _analysis_table("groups"),
    "consensus": _analysis_table("consensus"),
    "group-consensus": _analysis_table("group_consensus"),
    "divisive": _analysis_table("divisive"),
    "verdicts": _analysis_table("verdicts"),
}


def build_table(session: Session, dialogue: records.Dialogue, name: str, params: dict[str, str]) -> DataTable:
    if name not in TABLES:
        raise NotFound(f"no table {name!r} (known: {', '.join(TABLES)})")
    return TABLES[name](session, dialogue, params)
