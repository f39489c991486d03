"""`workingup init` and `workingup demo`: a database ready to use, and clearly simulated data to try it with."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from workingup.commands.errors import friendly_errors
from workingup.commands.options import DatabaseOption, DialogueOption, opened, progress
from workingup.dialogues import WORKING_UP, load_definition

# Messages are soft-wrapped: a path or an error must stay on one line, whatever the terminal width.
console = Console(soft_wrap=True)


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
    with opened(database, migrate=True) as db:
        with db.transaction() as session:
            if dialogue_by_slug(session, loaded.slug) is None:
                install_definition(session, loaded)
                message = f"loaded dialogue [bold]{loaded.slug}[/] ({len(loaded.statements)} seed statements)"
            else:
                message = f"dialogue [bold]{loaded.slug}[/] already present"
        console.print(f"Database ready at {db.describe(db.url)}; {message}.")


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
    analyse: Annotated[
        bool,
        typer.Option(
            "--analyse/--no-analyse",
            help="Analyse the votes now; `./run` leaves it to the server, which analyses once it answers.",
        ),
    ] = True,
) -> None:
    """Add clearly simulated participants and votes (a 30-seat table, advisors, community voices, the public)."""
    from workingup.services import listening
    from workingup.services.analysis_runs import run_analysis
    from workingup.services.demo import has_participants, open_demo, populate_demo
    from workingup.services.dialogues import get_dialogue
    from workingup.themes import preferred_method

    with opened(database) as db:
        with db.transaction() as session:
            target = get_dialogue(session, dialogue)
            if if_empty and has_participants(session, target.id):
                console.print(
                    f"Dialogue [bold]{target.slug}[/] already has participants; demo data not added."
                )
                return
            with progress(console) as report:
                result = populate_demo(session, target, public=public, seed=seed, progress=report)
            heard = ""
            if with_listening:
                sample = listening.load_sample(session, target)
                themes = listening.run_themes(session, target, method=preferred_method())
                heard = (
                    f"Loaded an illustrative listening session ({len(sample.contributions)} contributions, "
                    f"{len(themes.result.themes)} themes)."
                )
            open_demo(session, target)
            analysed = run_analysis(session, target) if analyse else None
        console.print(
            f"Added {len(result.participant_ids):,} simulated participants and "
            f"{result.simulation.n_events:,} simulated votes to [bold]{target.slug}[/]; "
            "anyone may join it and its results are public."
        )
        if heard:
            console.print(heard)
        if analysed is not None:
            console.print(f"Analysed it: {analysed[0].n_groups} opinion groups; the dashboard shows them.")
        elif not analyse:
            console.print(
                "The server analyses the votes a few seconds after it starts; the dashboard then shows them."
            )
        # The demo sign-in is the server's to print (it depends on the address it listens on): `./run` runs this
        # command and then `serve`, and printed it twice.
        console.print("The demo facilitator's sign-in is printed when the server starts (`workingup serve`).")


def print_demo_login(*, enabled: bool = True) -> None:
    """Say how to sign in to the demo, or why the demo account is off (a published password, loopback only)."""
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
