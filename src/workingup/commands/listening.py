"""`workingup listen …` and `workingup themes …`: listening sessions from the command line.

Thin: every command opens the database, calls services/listening.py and prints with Rich. Errors a user can fix
(a bad file, an unknown session) are one line and exit status 1.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from workingup.commands.errors import friendly_errors
from workingup.commands.options import DatabaseOption, DialogueOption, in_dialogue
from workingup.domain import StatementKind
from workingup.errors import UserError
from workingup.lazy import lazy_module
from workingup.services.errors import NotFound
from workingup.themes import ILLUSTRATIVE_NOTE, available_methods, preferred_method

if TYPE_CHECKING:
    from workingup.services import listening
else:  # executed on first use: the themes engine needs scikit-learn, and the database machinery SQLAlchemy and
    # Alembic; --help and `analyze --polis` need neither
    listening = lazy_module("workingup.services.listening")

listen_app = typer.Typer(
    help="Listening sessions: record them, import what people said.", no_args_is_help=True
)
themes_app = typer.Typer(
    help="Themes in what listening sessions heard, and statements drawn from them.", no_args_is_help=True
)
console = Console(soft_wrap=True)


@listen_app.command("add")
@friendly_errors
def add_session(
    held_on: Annotated[str, typer.Option("--held-on", help="Date of the session, YYYY-MM-DD.")],
    place: Annotated[str, typer.Option(help='Where, or in what format ("Community center, Dayton").')],
    facilitator: Annotated[str, typer.Option(help="Who facilitated it.")],
    consent: Annotated[
        bool, typer.Option("--consent/--no-consent", help="Participants agreed to be quoted anonymously.")
    ] = False,
    named: Annotated[
        bool,
        typer.Option(
            "--named/--unnamed", help="The report may name the place and facilitator (needs consent)."
        ),
    ] = False,
    notes: Annotated[str, typer.Option(help="Anything the table should know about the session.")] = "",
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """Record a listening session; its id is printed for `listen import`."""
    try:
        day = date.fromisoformat(held_on)
    except ValueError:
        raise UserError(f"--held-on must be a date like 2017-03-02, not {held_on!r}") from None
    with in_dialogue(database, dialogue, write=True) as (session, target):
        row = listening.create_session(
            session,
            target,
            held_on=day,
            place=place,
            facilitator=facilitator,
            consent_recorded=consent,
            consent_to_name=named,
            notes=notes,
        )
    console.print(f"Listening session {row.id} recorded for [bold]{target.slug}[/].")
    if not consent:
        console.print("[yellow]No consent recorded: its words will not be quoted or themed.[/]")


@listen_app.command("import")
@friendly_errors
def import_file(
    file: Annotated[
        Path, typer.Argument(help="CSV (a `text` column; optional `id`, `speaker`) or text file.")
    ],
    session_id: Annotated[int, typer.Option("--session", help="Listening session id (see `listen list`).")],
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """Import contributions into a session, all or nothing."""
    with in_dialogue(database, dialogue, write=True) as (session, target):
        row = listening.get_session(session, target, session_id)
        added = listening.import_contributions(session, row, file)
    console.print(f"Imported {len(added)} contributions into listening session {session_id}.")


@listen_app.command("sample")
@friendly_errors
def load_sample(database: DatabaseOption = None, dialogue: DialogueOption = None) -> None:
    """Load the illustrative listening session shipped with Working Up (no real person said these words)."""
    with in_dialogue(database, dialogue, write=True) as (session, target):
        row = listening.load_sample(session, target)
    console.print(f"Loaded illustrative listening session {row.id} ({len(row.contributions)} contributions).")
    console.print(f"[yellow]{escape(ILLUSTRATIVE_NOTE)}[/]")


@listen_app.command("list")
@friendly_errors
def list_sessions(database: DatabaseOption = None, dialogue: DialogueOption = None) -> None:
    """The dialogue's listening sessions."""
    with in_dialogue(database, dialogue) as (session, target):
        rows = listening.sessions_of(session, target)
        table = Table(title="Listening sessions", title_justify="left")
        for column in ("id", "held on", "place", "facilitator", "contributions", "consent"):
            table.add_column(column, justify="right" if column in ("id", "contributions") else "left")
        for row in rows:
            consent = "quotable" if row.consent_recorded else "[red]no consent[/]"
            if row.illustrative:
                consent += " [yellow](illustrative)[/]"
            table.add_row(
                str(row.id),
                row.held_on.isoformat(),
                escape(row.place),
                escape(row.facilitator),
                str(len(row.contributions)),
                consent,
            )
    console.print(table if rows else "No listening sessions yet.")


@themes_app.command("find")
@friendly_errors
def find(
    method: Annotated[
        str | None,
        typer.Option(
            help=f"How texts are compared: {', '.join(available_methods())} (installed here); "
            "default: sentence embeddings when installed, else tfidf."
        ),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", dir_okay=False, help="Write the themes as JSON.")
    ] = None,
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """Find themes in every quotable contribution, keep them, and show them with their quotes."""
    method = method or preferred_method()
    if method not in available_methods():
        raise UserError(f"method must be one of {', '.join(available_methods())}, not {method!r}")
    with (
        in_dialogue(database, dialogue, write=True) as (session, target),
        Console(stderr=True).status("Finding themes"),
    ):
        run = listening.run_themes(session, target, method=method)
    _print_run(run)
    if json_out is not None:
        json_out.write_text(json.dumps({"run": run.id, "themes": run.result.to_dict(), "focus": run.focus}))


@themes_app.command("show")
@friendly_errors
def show(database: DatabaseOption = None, dialogue: DialogueOption = None) -> None:
    """The latest themes, with candidate statements for each."""
    with in_dialogue(database, dialogue) as (session, target):
        run = listening.latest_themes(session, target)
        if run is None:
            raise NotFound("no themes yet; run `workingup themes find`")
        _print_run(run)
        for theme in run.result.themes:
            table = Table(title=f"Theme {theme.id}: candidate statements", title_justify="left")
            table.add_column("#", justify="right")
            table.add_column("Candidate (verbatim)", ratio=1)
            table.add_column("Close to an existing statement")
            for i, candidate in enumerate(listening.candidates_for(session, target, run, theme.id), start=1):
                close = candidate.similar_existing[0].text if candidate.similar_existing else ""
                table.add_row(str(i), escape(candidate.text), escape(close[:80]))
            console.print(table)


@themes_app.command("adopt")
@friendly_errors
def adopt(
    theme: Annotated[int, typer.Option(help="Theme id (see `themes show`).")],
    candidate: Annotated[int, typer.Option(help="Candidate number within the theme (1 = first).")],
    text: Annotated[str | None, typer.Option(help="Edited wording; the original words stay linked.")] = None,
    focus_area: Annotated[
        str | None, typer.Option(help="Focus area key; defaults to the theme's best fit.")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="fact, principle or proposal.")] = None,
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """Add a candidate statement to the dialogue, linked back to the theme and the exact words."""
    with in_dialogue(database, dialogue, write=True) as (session, target):
        run = listening.latest_themes(session, target)
        if run is None:
            raise NotFound("no themes yet; run `workingup themes find`")
        options = listening.candidates_for(session, target, run, theme)
        if not 1 <= candidate <= len(options):
            raise NotFound(f"theme {theme} has {len(options)} candidate statements, not {candidate}")
        statement = listening.adopt_candidate(
            session,
            target,
            run,
            options[candidate - 1],
            text=text,
            focus_area=focus_area,
            kind=StatementKind(kind) if kind else None,
        )
    console.print(f"Added statement {statement.id}: {escape(statement.text)}")


def _print_run(run: listening.ThemeRun) -> None:
    result = run.result
    focus = {m["theme_id"]: m for m in run.focus}
    console.print(
        f"{len(result.themes)} themes ({result.method}) cover {result.coverage:.0%} of the contributions; "
        f"{len(result.other)} fit no theme.",
        highlight=False,
    )
    table = Table(title="Themes", title_justify="left")
    table.add_column("id", justify="right")
    table.add_column("theme")
    table.add_column("size", justify="right")
    table.add_column("focus area")
    table.add_column("what people said (verbatim)", ratio=1)
    for theme in result.themes:
        match = focus.get(theme.id, {})
        quotes = "\n".join(f"“{escape(q.text)}”" for q in theme.quotes[:3])
        table.add_row(
            str(theme.id), escape(theme.label), str(theme.size), match.get("focus_area") or "–", quotes
        )
    console.print(table)
