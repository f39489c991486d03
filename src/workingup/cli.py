"""The `workingup` command: thin wrappers over services, with Rich output and one-line errors.

Every command reads the database URL from WORKINGUP_DATABASE_URL (or --database). Errors a user can fix are
printed as one line naming the problem and exit with status 1; a traceback means a bug.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from workingup.commands.analyze import analyze as analyze_command
from workingup.commands.errors import DatabaseOption, DialogueOption, errors, friendly_errors, open_database
from workingup.commands.listening import listen_app, themes_app
from workingup.config import Settings
from workingup.dialogues import WORKING_UP, load_definition
from workingup.domain import Moderation
from workingup.services.database import Database

app = typer.Typer(
    name="workingup",
    help="Working Up: run a convergence dialogue for action, from a balanced table's votes to a tracked agenda.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Messages are soft-wrapped: a path or an error must stay on one line, whatever the terminal width.
console = Console(soft_wrap=True)


def _settings() -> Settings:
    return Settings.from_env()


def _open(database: str | None, *, migrate: bool = False) -> Database:
    return open_database(database, migrate=migrate)


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    """A Rich progress bar fed by the services' (task, advance, total) callbacks."""
    tasks: dict[str, Any] = {}
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )

    def report(task: str, advance: int, total: int) -> None:
        if task not in tasks:
            tasks[task] = bar.add_task(task, total=total)
        bar.update(tasks[task], advance=advance, total=total)

    with bar:
        yield report


@app.command()
@friendly_errors
def init(
    database: DatabaseOption = None,
    definition: Annotated[
        str, typer.Option("--definition", help="Shipped dialogue name or path to a dialogue TOML file.")
    ] = WORKING_UP,
) -> None:
    """Create or upgrade the database schema and load the Working Up dialogue (if not already there)."""
    from workingup.services.dialogues import install_definition
    from workingup.store.queries import dialogue_by_slug

    loaded = load_definition(definition)
    db = _open(database, migrate=True)
    try:
        with db.transaction() as session:
            if dialogue_by_slug(session, loaded.slug) is None:
                install_definition(session, loaded)
                message = f"loaded dialogue [bold]{loaded.slug}[/] ({len(loaded.statements)} seed statements)"
            else:
                message = f"dialogue [bold]{loaded.slug}[/] already present"
        console.print(f"Database ready at {Database.describe(db.url)}; {message}.")
    finally:
        db.close()


@app.command()
@friendly_errors
def demo(
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
    public: Annotated[int, typer.Option(min=0, help="Size of the simulated public round.")] = 2000,
    seed: Annotated[
        int, typer.Option(help="Seed of the simulation: the same seed gives the same votes.")
    ] = 0,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when the dialogue already has participants.")
    ] = False,
    with_listening: Annotated[
        bool,
        typer.Option(
            "--listening/--no-listening",
            help="Also load the illustrative listening session and find its themes.",
        ),
    ] = True,
) -> None:
    """Add clearly simulated participants and votes (a 30-seat table, advisors, community voices, the public)."""
    from workingup.services import listening
    from workingup.services.analysis_runs import run_analysis
    from workingup.services.demo import has_participants, open_demo, populate_demo
    from workingup.services.dialogues import get_dialogue
    from workingup.themes import preferred_method

    db = _open(database)
    try:
        with db.transaction() as session:
            target = get_dialogue(session, dialogue)
            if if_empty and has_participants(session, target.id):
                console.print(
                    f"Dialogue [bold]{target.slug}[/] already has participants; demo data not added."
                )
                return
            with _progress() as progress:
                result = populate_demo(session, target, public=public, seed=seed, progress=progress)
            heard = ""
            if with_listening:
                sample = listening.load_sample(session, target)
                themes = listening.run_themes(session, target, method=preferred_method())
                heard = (
                    f"Loaded an illustrative listening session ({len(sample.contributions)} contributions, "
                    f"{len(themes.result.themes)} themes)."
                )
            open_demo(session, target)
            analysed = run_analysis(session, target)
        console.print(
            f"Added {len(result.participant_ids):,} simulated participants and "
            f"{result.simulation.n_events:,} simulated votes to [bold]{target.slug}[/]; "
            "anyone may join it and its results are public."
        )
        if heard:
            console.print(heard)
        if analysed is not None:
            console.print(f"Analysed it: {analysed[0].n_groups} opinion groups; the dashboard shows them.")
        _print_demo_login()
    finally:
        db.close()


def _print_demo_login(*, enabled: bool = True) -> None:
    from workingup.services.accounts import DEMO_EMAIL, DEMO_PASSWORD

    if enabled:
        console.print(
            f"[bold yellow]DEMO ONLY[/] facilitator sign-in: [bold]{DEMO_EMAIL}[/] / [bold]{DEMO_PASSWORD}[/] "
            "(a published password: accepted only while the server listens on a loopback address)",
            highlight=False,
        )
    else:
        console.print(
            f"[bold yellow]note:[/] the demo facilitator account ({DEMO_EMAIL}) is disabled because the server "
            "listens beyond the loopback interface; create a real account with `workingup facilitator add`.",
            highlight=False,
        )


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


facilitator_app = typer.Typer(help="Facilitator accounts.", no_args_is_help=True)
app.add_typer(facilitator_app, name="facilitator")


@facilitator_app.command("add")
@friendly_errors
def facilitator_add(
    email: Annotated[str, typer.Argument(help="E-mail address the facilitator signs in with.")],
    name: Annotated[str, typer.Option("--name", help="Name shown to other facilitators.")] = "",
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="WORKINGUP_NEW_PASSWORD",
            help="At least 12 characters; asked for when not given (or read from WORKINGUP_NEW_PASSWORD).",
        ),
    ] = "",
) -> None:
    """Create a facilitator account (or reuse one) and make it a facilitator of a dialogue."""
    from workingup.services.accounts import create_facilitator, facilitator_by_email, grant_dialogue
    from workingup.services.dialogues import get_dialogue

    db = _open(database)
    try:
        with db.transaction() as session:
            target = get_dialogue(session, dialogue)
            account = facilitator_by_email(session, email)
            created = account is None
            if account is None:
                account = create_facilitator(session, email, password, name)
            grant_dialogue(session, account, target)
        verb = "Created" if created else "Found"
        console.print(f"{verb} facilitator [bold]{account.email}[/]; they facilitate [bold]{target.slug}[/].")
    finally:
        db.close()


@app.command("import-polis")
@friendly_errors
def import_polis_command(
    folder: Annotated[Path, typer.Argument(help="Folder of a Pol.is export (comments.csv, votes.csv, …).")],
    database: DatabaseOption = None,
    slug: Annotated[
        str | None, typer.Option(help="Slug for the new dialogue; defaults to the folder name.")
    ] = None,
) -> None:
    """Import a Pol.is open-data export as a new dialogue, all or nothing."""
    from workingup.services.polis_io import import_polis

    db = _open(database)
    try:
        with db.transaction() as session, _progress() as progress:
            summary = import_polis(session, folder, slug=slug, progress=progress)
        for warning in summary.warnings:
            errors.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
        console.print(
            f"Imported [bold]{summary.slug}[/]: {summary.participants:,} participants, "
            f"{summary.statements:,} statements, {summary.vote_events:,} votes (from {summary.votes_source})."
        )
    finally:
        db.close()


@app.command("export-polis")
@friendly_errors
def export_polis_command(
    folder: Annotated[Path, typer.Argument(help="Folder to write comments.csv, votes.csv, … into.")],
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """Export a dialogue in the Pol.is open-data format."""
    from workingup.services.dialogues import get_dialogue
    from workingup.services.polis_io import export_polis

    db = _open(database)
    try:
        with db.sessions() as session:
            target = get_dialogue(session, dialogue)
            paths = export_polis(session, target, folder)
        console.print(f"Wrote {', '.join(p.name for p in paths)} to {folder}.")
    finally:
        db.close()


@app.command()
@friendly_errors
def stats(database: DatabaseOption = None, dialogue: DialogueOption = None) -> None:
    """Counts of participants, statements and votes per dialogue."""
    from workingup.services.dialogues import get_dialogue
    from workingup.store.queries import all_dialogues, dialogue_counts

    db = _open(database)
    try:
        with db.sessions() as session:
            targets = [get_dialogue(session, dialogue)] if dialogue else all_dialogues(session)
            table = Table(title="Dialogues")
            table.add_column("dialogue", overflow="fold")
            table.add_column("phase", overflow="fold")
            for column in ("people", "statements", "votes", "voters"):
                table.add_column(column, justify="right")
            table.add_column("data")
            for target in targets:
                counts = dialogue_counts(session, target.id)
                table.add_row(
                    target.slug,
                    target.phase.label,
                    f"{counts.participants:,}",
                    f"{counts.statements_by_moderation[Moderation.ACCEPTED]:,} of {counts.statements:,}",
                    f"{counts.current_votes:,}",
                    f"{counts.voters:,}",
                    "[yellow]simulated[/]" if counts.any_simulated else "real",
                )
        console.print(table)
    finally:
        db.close()


app.command("analyze")(analyze_command)


@app.command()
@friendly_errors
def serve(
    database: DatabaseOption = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on (WORKINGUP_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (WORKINGUP_PORT).")] = None,
) -> None:
    """Serve the web application."""
    import uvicorn

    from workingup.services.accounts import has_demo_facilitator
    from workingup.web.app import create_app
    from workingup.web.ratelimit import Limit, RateLimits

    settings = _settings()
    db = _open(database)
    listen = host or settings.host
    loopback = _is_loopback(listen)
    with db.sessions() as session:
        if has_demo_facilitator(session):
            _print_demo_login(enabled=loopback)
    limits = replace(
        RateLimits(),
        votes=Limit(per_minute=settings.vote_limit[0], burst=settings.vote_limit[1]),
        joins=Limit(per_minute=settings.join_limit[0], burst=settings.join_limit[1]),
    )
    console.print(f"Serving Working Up at http://{listen}:{port or settings.port}")
    # uvicorn picks uvloop and httptools when installed (they are dependencies): several times cheaper per
    # request than asyncio's default loop and the pure-Python HTTP parser.
    uvicorn.run(
        # The background analysis runs in a child process at a lower priority: in a thread here, its Python
        # would hold the GIL the event loop needs to answer votes.
        create_app(db, allow_demo_login=loopback, rate_limits=limits, analysis_process=True),
        host=listen,
        port=port or settings.port,
        log_level="info",
        access_log=settings.access_log,
        proxy_headers=True,
        forwarded_allow_ips=settings.trusted_proxies,
    )


if __name__ == "__main__":  # pragma: no cover
    app()


# --- Listening sessions and themes (issue 7) ------------------------------------------------------------------
app.add_typer(listen_app, name="listen")
app.add_typer(themes_app, name="themes")


# --- From consensus to action: recommendations, endorsement, report, tracking (issue 6) -----------------------
from workingup.commands.agenda import (  # noqa: E402
    commit as _commit_command,
)
from workingup.commands.agenda import (  # noqa: E402
    endorse_app,
    recommend_app,
    track_app,
)
from workingup.commands.agenda import (  # noqa: E402
    report as _report_command,
)

app.add_typer(recommend_app, name="recommend")
app.add_typer(endorse_app, name="endorse")
app.command("report")(_report_command)
app.command("commit")(_commit_command)
app.add_typer(track_app, name="track")
