"""`workingup recommend | endorse | report | commit | track`: from consensus to action on the command line.

Thin: each command opens the database, calls services/recommendations.py, endorsements.py, tracking.py or the
report package, and prints with Rich. Every text that came from people is escaped before Rich sees it, so a
statement containing `[bold]` or `<script>` prints as written.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from workingup.analysis.figures import verdict_word
from workingup.commands.errors import friendly_errors
from workingup.commands.options import DatabaseOption, DialogueOption, in_dialogue
from workingup.domain import (
    HORIZON_LABELS,
    RECOMMENDATION_TYPE_LABELS,
    AdoptionRule,
    CommitmentStatus,
    Horizon,
    Outcome,
    RecommendationType,
    Stance,
)
from workingup.lazy import lazy_module
from workingup.services.errors import ServiceError

if TYPE_CHECKING:
    from workingup.services import endorsements, log, recommendations, tracking
else:  # executed on first use: these reach the analysis engine (SciPy, scikit-learn) or the database machinery
    # (SQLAlchemy, Alembic), which neither --help nor `analyze --polis` needs
    endorsements = lazy_module("workingup.services.endorsements")
    log = lazy_module("workingup.services.log")
    recommendations = lazy_module("workingup.services.recommendations")
    tracking = lazy_module("workingup.services.tracking")

console = Console(soft_wrap=True)


status_console = Console(stderr=True)

recommend_app = typer.Typer(
    help="Recommendations: draft them from convergence candidates, revise them (every version is kept).",
    no_args_is_help=True,
)
endorse_app = typer.Typer(
    help="The endorsement round: endorse, endorse with reservations, stand aside or block.",
    no_args_is_help=True,
)
track_app = typer.Typer(
    help="Action tracking: commitments, status, milestones, evidence, the log, CSV export.",
    no_args_is_help=True,
)

RecommendationArg = Annotated[str, typer.Argument(help="Recommendation, e.g. R3 or 3.")]
ActorOption = Annotated[
    list[str] | None,
    typer.Option("--actor", help="Who is asked to act (repeat): Congress, states, employers, educators, …"),
]
EvidenceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--evidence", help="A source it rests on (repeat): text, a https:// link, or 'text | link'."
    ),
]
AuthorOption = Annotated[str | None, typer.Option(help="Who drafted it (shown in the version history).")]


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ServiceError(f"{option} must be a date like 2018-06-30, not {value!r}") from None


def _evidence(items: list[str] | None) -> list[dict[str, str]] | None:
    if items is None:
        return None
    parsed = []
    for item in items:
        text, _, url = item.rpartition(" | ") if " | " in item else ("", "", item)
        if not text and not url.lower().startswith(("http://", "https://")):
            text, url = url, ""
        parsed.append({"text": text.strip(), "url": url.strip()})
    return parsed


def _choice(kind: type[RecommendationType] | type[Horizon], value: str | None, option: str) -> str | None:
    """An enum value from what people type (near-term or near_term); None stays None."""
    if value is None:
        return None
    try:
        return kind(value.replace("-", "_")).value
    except ValueError:
        raise ServiceError(f"{option} is one of {', '.join(k.value for k in kind)}, not {value!r}") from None


# --- recommend ------------------------------------------------------------------------------------------------


@recommend_app.command("candidates")
@friendly_errors
def candidates(
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
    all_verdicts: Annotated[bool, typer.Option("--partial", help="Include partial convergence too.")] = False,
) -> None:
    """Statements the convergence verdict makes worth drafting from, strongest cross-group support first."""
    from workingup.services.analysis import analyze_dialogue

    with in_dialogue(database, dialogue) as (session, target):
        with status_console.status("Analysing the dialogue"):
            analysis = analyze_dialogue(session, target)
        verdicts = recommendations.CANDIDATE_VERDICTS if all_verdicts else ("convergence",)
        found = recommendations.candidates(session, target, analysis, verdicts=verdicts)
    table = Table(title="Convergence candidates", title_justify="left")
    for column in ("statement", "verdict", "cross-group support", "focus area", "text"):
        table.add_column(column, justify="right" if column == "statement" else "left")
    for c in found:
        support = "–" if c.cross_group_support is None else f"{c.cross_group_support:.2f}"
        table.add_row(
            str(c.statement_id), verdict_word(c.verdict), support, c.focus_area or "–", escape(c.text)
        )
    console.print(table if found else "No statement has reached convergence yet.")


@recommend_app.command("draft")
@friendly_errors
def draft(
    statement: Annotated[
        list[int], typer.Option("--statement", "-s", help="Statement id it rests on (repeat).")
    ],
    kind: Annotated[str, typer.Option("--type", help="policy, programmatic or private_sector.")],
    horizon: Annotated[str, typer.Option(help="near_term or new_approaches.")],
    actor: ActorOption = None,
    title: Annotated[
        str | None, typer.Option(help="Short title; defaults to the text's first sentence.")
    ] = None,
    text: Annotated[
        str | None, typer.Option(help="Wording; defaults to the statements' texts, merged.")
    ] = None,
    focus_area: Annotated[
        str | None, typer.Option(help="Focus area key; defaults to the statements'.")
    ] = None,
    evidence: EvidenceOption = None,
    author: AuthorOption = None,
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """Draft a recommendation from one or more statements; their support figures are copied into it."""
    with in_dialogue(database, dialogue, write=True) as (session, target):
        with status_console.status("Analysing the dialogue for the support figures"):
            rec = recommendations.draft(
                session,
                target,
                statement_ids=statement,
                kind=RecommendationType(_choice(RecommendationType, kind, "--type") or kind),
                horizon=Horizon(_choice(Horizon, horizon, "--horizon") or horizon),
                actors=actor or [],
                title=title,
                text=text,
                focus_area=focus_area,
                evidence=_evidence(evidence) or (),
                author=author,
            )
        version = rec.current
        weak = [b for b in version.basis if b.figures.get("verdict") != "convergence"]
    console.print(f"Drafted [bold]R{rec.number}[/]: {escape(version.title)}")
    for b in weak:
        verdict = verdict_word(b.figures.get("verdict"))
        console.print(
            f"[yellow]note:[/] statement {b.statement_id} has not converged (verdict: {verdict}); "
            "the report will say so.",
            highlight=False,
        )


@recommend_app.command("revise")
@friendly_errors
def revise(
    recommendation: RecommendationArg,
    note: Annotated[str, typer.Option(help="Why: what changed and on whose comments.")] = "",
    statement: Annotated[
        list[int] | None,
        typer.Option("--statement", "-s", help="Replace the statements it rests on (repeat)."),
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--type", help="policy, programmatic or private_sector.")
    ] = None,
    horizon: Annotated[str | None, typer.Option(help="near_term or new_approaches.")] = None,
    actor: ActorOption = None,
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    text: Annotated[str | None, typer.Option(help="New wording.")] = None,
    focus_area: Annotated[str | None, typer.Option(help="Focus area key.")] = None,
    evidence: EvidenceOption = None,
    author: AuthorOption = None,
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """A new version of a recommendation; earlier versions, and stances given on them, are kept."""
    with in_dialogue(database, dialogue, write=True) as (session, target):
        number = recommendations.parse_number(recommendation)
        kind_value = _choice(RecommendationType, kind, "--type")
        horizon_value = _choice(Horizon, horizon, "--horizon")
        version = recommendations.revise(
            session,
            target,
            number,
            statement_ids=statement,
            kind=RecommendationType(kind_value) if kind_value else None,
            horizon=Horizon(horizon_value) if horizon_value else None,
            actors=actor,
            title=title,
            text=text,
            focus_area=focus_area,
            evidence=_evidence(evidence),
            note=note,
            author=author,
        )
    console.print(f"R{number} is now at version {version.number}.")


@recommend_app.command("withdraw")
@friendly_errors
def withdraw(
    recommendation: RecommendationArg,
    reason: Annotated[str, typer.Option(help="Why it is withdrawn (kept in the log).")],
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """Withdraw a recommendation: it stays in the record, out of the round and the report."""
    with in_dialogue(database, dialogue, write=True) as (session, target):
        rec = recommendations.withdraw(
            session, target, recommendations.parse_number(recommendation), reason=reason
        )
    console.print(f"R{rec.number} withdrawn.")


@recommend_app.command("list")
@friendly_errors
def list_recommendations(database: DatabaseOption = None, dialogue: DialogueOption = None) -> None:
    """The dialogue's recommendations, with their outcome in the latest endorsement round."""
    with in_dialogue(database, dialogue) as (session, target):
        rows = recommendations.all_of(session, target)
        outcomes = {r.number: r for r in endorsements.results(session, target).recommendations}
        focus = {fa.id: fa.key for fa in target.focus_areas}
        table = Table(title="Recommendations", title_justify="left")
        for column in (
            "",
            "title",
            "focus area",
            "type",
            "horizon",
            "actors",
            "statements",
            "version",
            "outcome",
        ):
            table.add_column(column, no_wrap=column in ("", "version", "outcome"))
        for rec in rows:
            v = rec.current
            result = outcomes.get(rec.number)
            table.add_row(
                f"R{rec.number}",
                escape(v.title),
                focus.get(v.focus_area_id, ""),
                RECOMMENDATION_TYPE_LABELS[v.kind],
                HORIZON_LABELS[v.horizon],
                escape(", ".join(v.actors)),
                ", ".join(str(b.statement_id) for b in v.basis),
                str(v.number),
                _outcome(result.outcome) if result else "no round yet",
            )
    console.print(table if rows else "No recommendations yet; see `workingup recommend candidates`.")


@recommend_app.command("show")
@friendly_errors
def show(
    recommendation: RecommendationArg, database: DatabaseOption = None, dialogue: DialogueOption = None
) -> None:
    """One recommendation: its versions, and the statements and figures each rests on."""
    with in_dialogue(database, dialogue) as (session, target):
        rec = recommendations.get(session, target, recommendations.parse_number(recommendation))
        state = " [red](withdrawn)[/]" if rec.withdrawn else ""
        console.print(f"[bold]R{rec.number}[/]{state}")
        for v in rec.versions:
            console.print(
                f"\n[bold]Version {v.number}[/] ({v.created_at:%Y-%m-%d %H:%M}"
                f"{', by ' + escape(v.author) if v.author else ''}){': ' + escape(v.note) if v.note else ''}",
                highlight=False,
            )
            console.print(f"  {escape(v.title)}", style="bold")
            console.print(f"  {escape(v.text)}", highlight=False)
            console.print(
                f"  {RECOMMENDATION_TYPE_LABELS[v.kind]} · {HORIZON_LABELS[v.horizon]} · "
                f"asks {escape(', '.join(v.actors))}",
                highlight=False,
            )
            for e in v.evidence:
                console.print(
                    f"  evidence: {escape(e.get('text', ''))} {escape(e.get('url', ''))}", highlight=False
                )
            for b in v.basis:
                f = b.figures
                console.print(
                    f"  rests on statement {b.statement_id} ({verdict_word(f.get('verdict'))}, "
                    f"figures of {str(f.get('computed_at', ''))[:16]}): {escape(b.statement_text)}",
                    highlight=False,
                )


# --- endorse --------------------------------------------------------------------------------------------------


@endorse_app.command("open")
@friendly_errors
def open_round(
    rule: Annotated[str, typer.Option(help="unanimity (Convergence's rule) or threshold.")] = "unanimity",
    threshold: Annotated[
        float | None, typer.Option(help="For the threshold rule: the share of the table that must endorse.")
    ] = None,
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """Open an endorsement round on the current wording of every recommendation."""
    try:
        adoption = AdoptionRule(rule)
    except ValueError:
        raise ServiceError(f"--rule is unanimity or threshold, not {rule!r}") from None
    with in_dialogue(database, dialogue, write=True) as (session, target):
        row = endorsements.open_round(session, target, adoption, threshold=threshold)
    console.print(f"Endorsement round {row.id} is open ({endorsements.describe_rule(row)}).")


@endorse_app.command("close")
@friendly_errors
def close_round(database: DatabaseOption = None, dialogue: DialogueOption = None) -> None:
    """Close the open round: its results are final."""
    with in_dialogue(database, dialogue, write=True) as (session, target):
        row = endorsements.close_round(session, target)
    console.print(f"Endorsement round {row.id} closed.")


@endorse_app.command("record")
@friendly_errors
def record(
    participant: Annotated[str, typer.Option(help="Stakeholder: participant id or roster (external) id.")],
    recommendation: Annotated[str, typer.Option(help="Recommendation, e.g. R3.")],
    stance: Annotated[str, typer.Option(help="endorse, reservations, stand_aside or block.")],
    text: Annotated[
        str, typer.Option(help="The reservations, or the reason for a block (required for both).")
    ] = "",
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """Record one stakeholder's stance on one recommendation (a later stance replaces an earlier one)."""
    with in_dialogue(database, dialogue, write=True) as (session, target):
        row = endorsements.record(session, target, participant, recommendation, stance, text)
    console.print(f"Recorded: {Stance(row.stance).label.lower()}.", highlight=False)


@endorse_app.command("import")
@friendly_errors
def import_stances(
    file: Annotated[Path, typer.Argument(help="CSV with columns participant, recommendation, stance, text.")],
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """Record a whole round from a CSV (a paper round, a meeting), all or nothing."""
    with in_dialogue(database, dialogue, write=True) as (session, target):
        added = endorsements.import_stances(session, target, file)
    console.print(f"Recorded {len(added)} stances.")


@endorse_app.command("consent")
@friendly_errors
def consent(
    participant: Annotated[str, typer.Option(help="Participant id or roster (external) id.")],
    named: Annotated[bool, typer.Option("--named/--not-named", help="May the report name them?")] = True,
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """Record whether a participant agreed to be named in the final report (without it, they never are)."""
    with in_dialogue(database, dialogue, write=True) as (session, target):
        person = endorsements.find_participant(session, target, participant)
        endorsements.set_name_consent(session, person, named)
    console.print(f"Participant {participant}: {'may' if named else 'may not'} be named in the report.")


@endorse_app.command("results")
@friendly_errors
def results(database: DatabaseOption = None, dialogue: DialogueOption = None) -> None:
    """The latest round: outcome per recommendation, stances by sector and by leaning, every block."""
    with in_dialogue(database, dialogue) as (session, target):
        outcome = endorsements.results(session, target)
    if outcome.round_id is None:
        console.print("No endorsement round yet; open one with `workingup endorse open`.")
        return
    state = "open" if outcome.open else "closed"
    console.print(
        f"Endorsement round {outcome.round_id} ({state}); rule: {outcome.rule_text}.", highlight=False
    )
    for rec in outcome.recommendations:
        counts = rec.counts
        console.print(
            f"\n[bold]R{rec.number}[/] {escape(rec.title)} (version {rec.version}): {_outcome(rec.outcome)} — "
            f"{escape(rec.explanation)}",
            highlight=False,
        )
        console.print(
            f"  {counts[Stance.ENDORSE]} endorse, {counts[Stance.RESERVATIONS]} with reservations, "
            f"{counts[Stance.STAND_ASIDE]} stand aside, {counts[Stance.BLOCK]} block, {rec.no_answer} no answer"
            + (f"; {rec.stale} on an earlier wording, not counted" if rec.stale else ""),
            highlight=False,
        )
        for block in rec.blocks:
            who = f" ({escape(block.name)})" if block.name else ""
            console.print(f"  [red]block{who}:[/] {escape(block.text)}", highlight=False)
        for reservation in rec.reservations:
            who = f" ({escape(reservation.name)})" if reservation.name else ""
            console.print(f"  [yellow]reservation{who}:[/] {escape(reservation.text)}", highlight=False)
        for title, breakdown in (("sector", rec.by_sector), ("leaning", rec.by_leaning)):
            table = Table(title=f"By {title} (groups under 5 pooled)", title_justify="left")
            table.add_column(title)
            table.add_column("size", justify="right")
            for s in Stance:
                table.add_column(s.label.lower(), justify="right")
            for pool in breakdown.pools:
                cells = breakdown.counts.get(pool.label)
                table.add_row(
                    escape(pool.label),
                    pool.size_text,
                    *[("–" if cells is None else str(cells.get(s.value, 0))) for s in Stance],
                )
            console.print(table)


def _outcome(outcome: Outcome) -> str:
    colour = {"adopted": "green", "blocked": "red", "not_adopted": "red", "pending": "yellow"}[outcome.value]
    return f"[{colour}]{outcome.label}[/]"


# --- report ---------------------------------------------------------------------------------------------------


@friendly_errors
def report(
    fmt: Annotated[str, typer.Option("--format", "-f", help="html, pdf or md.")] = "html",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="File to write; default report.<format>."),
    ] = None,
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """The final report: process, principles, opinion map, adopted recommendations, method appendix."""
    from workingup.report.build import build_report
    from workingup.report.render import FORMATS, render

    if fmt not in FORMATS:
        raise ServiceError(f"--format is one of {', '.join(FORMATS)}, not {fmt!r}")
    target_path = output or Path(f"report.{fmt}")
    with (
        in_dialogue(database, dialogue) as (session, target),
        status_console.status("Analysing the dialogue and gathering the report"),
    ):
        data = build_report(session, target)
    with status_console.status(f"Rendering {fmt.upper()}"):
        payload = render(data, fmt)
    target_path.write_bytes(payload)
    banner = " [yellow](simulated data: bannered)[/]" if data.banner else ""
    console.print(
        f"Wrote {target_path} ({len(payload):,} bytes): {data.adopted_count} adopted recommendation(s), "
        f"{len(data.not_adopted)} not adopted{banner}.",
        highlight=False,
    )


# --- commit and track -----------------------------------------------------------------------------------------


@friendly_errors
def commit(
    recommendation: Annotated[str, typer.Option(help="Recommendation acted on, e.g. R3.")],
    actor: Annotated[str, typer.Option(help="Who commits, as they want to appear publicly.")],
    what: Annotated[str, typer.Option(help="What they will do.")],
    by: Annotated[str | None, typer.Option(help="By when, YYYY-MM-DD.")] = None,
    participant: Annotated[
        str | None, typer.Option(help="The table member making it (participant or roster id), if any.")
    ] = None,
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """Record a commitment to an adopted recommendation: who commits to what, by when. Its id is printed for
    `track`."""
    due = _parse_date(by, "--by")
    with in_dialogue(database, dialogue, write=True) as (session, target):
        row = tracking.commit(
            session,
            target,
            recommendation,
            actor=actor,
            description=what,
            due_on=due,
            participant=participant,
        )  # refused unless the recommendation was adopted (the tracker is public)
    console.print(f"Commitment {row.id} recorded ({escape(row.actor)}, planned).", highlight=False)


@track_app.command("list")
@friendly_errors
def track_list(database: DatabaseOption = None, dialogue: DialogueOption = None) -> None:
    """Every recommendation with its commitments, status, progress and evidence."""
    with in_dialogue(database, dialogue) as (session, target):
        board = tracking.tracker(session, target)
    table = Table(title=f"Action tracker: {escape(board.dialogue_title)}", title_justify="left")
    for column in (
        "",
        "recommendation",
        "outcome",
        "commitment",
        "who",
        "what",
        "by",
        "status",
        "progress",
        "evidence",
    ):
        table.add_column(column)
    for rec in board.recommendations:
        outcome = _outcome(rec.outcome) if rec.outcome else "–"
        if not rec.commitments:
            table.add_row(f"R{rec.number}", escape(rec.title), outcome, "–", "", "", "", "", "", "")
        for c in rec.commitments:
            table.add_row(
                f"R{rec.number}",
                escape(rec.title),
                outcome,
                str(c.id),
                escape(c.actor),
                escape(c.description),
                (c.due_on.isoformat() if c.due_on else "–") + (" [red]overdue[/]" if c.overdue else ""),
                c.status.label,
                "–" if c.progress is None else f"{c.progress}%",
                str(len(c.evidence)),
            )
    console.print(table)
    counts = board.status_counts()
    console.print(", ".join(f"{n} {s.label.lower()}" for s, n in counts.items()), highlight=False)


@track_app.command("status")
@friendly_errors
def track_status(
    commitment: Annotated[int, typer.Argument(help="Commitment id.")],
    status: Annotated[str, typer.Argument(help="planned, in_progress, done or dropped.")],
    note: Annotated[str, typer.Option(help="What happened (required to drop a commitment).")] = "",
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """Change a commitment's status; the change goes into the public log."""
    with in_dialogue(database, dialogue, write=True) as (session, target):
        row = tracking.set_status(
            session,
            target,
            commitment,
            status.replace("-", "_"),
            note=note,
        )
    console.print(f"Commitment {row.id}: {CommitmentStatus(row.status).label.lower()}.")


@track_app.command("milestone")
@friendly_errors
def track_milestone(
    commitment: Annotated[int, typer.Argument(help="Commitment id.")],
    title: Annotated[str, typer.Option(help="What the milestone is.")],
    due: Annotated[str | None, typer.Option(help="By when, YYYY-MM-DD.")] = None,
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """Add a milestone to a commitment; its id is printed for `track progress`."""
    due_on = _parse_date(due, "--due")
    with in_dialogue(database, dialogue, write=True) as (session, target):
        row = tracking.add_milestone(session, target, commitment, title, due_on=due_on)
    console.print(f"Milestone {row.id} added to commitment {commitment}.")


@track_app.command("progress")
@friendly_errors
def track_progress(
    milestone: Annotated[int, typer.Argument(help="Milestone id.")],
    percent: Annotated[int, typer.Argument(help="Percent complete, 0–100.")],
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """Set a milestone's progress."""
    with in_dialogue(database, dialogue, write=True) as (session, target):
        row = tracking.set_progress(session, target, milestone, percent)
    console.print(f"Milestone {row.id}: {row.progress}%.")


@track_app.command("evidence")
@friendly_errors
def track_evidence(
    commitment: Annotated[int, typer.Argument(help="Commitment id.")],
    url: Annotated[str | None, typer.Option(help="A https:// link to the evidence.")] = None,
    note: Annotated[str, typer.Option(help="What it shows.")] = "",
    dated: Annotated[str | None, typer.Option("--date", help="When, YYYY-MM-DD; default today.")] = None,
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """Attach evidence (a link, a note, a date) to a commitment."""
    day = _parse_date(dated, "--date")
    with in_dialogue(database, dialogue, write=True) as (session, target):
        row = tracking.add_evidence(session, target, commitment, url=url, note=note, dated=day)
    console.print(f"Evidence {row.id} added to commitment {commitment} ({row.dated.isoformat()}).")


@track_app.command("log")
@friendly_errors
def track_log(
    limit: Annotated[int, typer.Option(min=1, help="How many entries, newest first.")] = 50,
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """The agenda's activity log, newest first."""
    with in_dialogue(database, dialogue) as (session, target):
        rows = log.activity(session, target, limit=limit)
    for row in rows:
        console.print(f"{row.created_at:%Y-%m-%d %H:%M}  {escape(row.message)}", highlight=False)
    if not rows:
        console.print("Nothing logged yet.")


@track_app.command("export")
@friendly_errors
def track_export(
    output: Annotated[
        Path | None,
        typer.Option("--csv", dir_okay=False, help="CSV file to write; '-' or nothing: standard output."),
    ] = None,
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """The tracker as CSV: one row per commitment."""
    with in_dialogue(database, dialogue) as (session, target):
        text = tracking.tracker_csv(tracking.tracker(session, target))
    if output is None or str(output) == "-":
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"Wrote {output}.")


@track_app.command("mine")
@friendly_errors
def track_mine(
    participant: Annotated[str, typer.Option(help="Participant id or roster (external) id.")],
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """What became of the statements a participant wrote or agreed with."""
    with in_dialogue(database, dialogue) as (session, target):
        fates = tracking.statement_fates(session, target, participant)
    for fate in fates:
        how = " and ".join(w for w, on in (("wrote", fate.wrote), ("agreed with", fate.agreed)) if on)
        console.print(f"\nYou {how} statement {fate.statement_id}: {escape(fate.text)}", highlight=False)
        if not fate.recommendations:
            console.print("  No recommendation rests on it.")
        for rec in fate.recommendations:
            outcome = _outcome(rec.outcome) if rec.outcome else "no round yet"
            console.print(f"  → R{rec.number} {escape(rec.title)}: {outcome}", highlight=False)
            for c in rec.commitments:
                console.print(
                    f"    {escape(c.actor)}: {escape(c.description)} — {c.status.label.lower()}",
                    highlight=False,
                )
    if not fates:
        console.print("This participant wrote or agreed with no statement.")
