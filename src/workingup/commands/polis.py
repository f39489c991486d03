"""`workingup import-polis` and `workingup export-polis`: the Pol.is open-data format in and out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from workingup.commands.errors import errors, friendly_errors
from workingup.commands.options import DatabaseOption, DialogueOption, in_dialogue, opened, progress

console = Console(soft_wrap=True)


@friendly_errors
def import_polis_command(
    folder: Annotated[Path, typer.Argument(help="Folder of a Pol.is export (comments.csv, votes.csv, …).")],
    database: DatabaseOption = None,
    slug: Annotated[
        str | None, typer.Option(help="Slug for the new dialogue; defaults to the folder name.")
    ] = None,
) -> None:
    """Import a Pol.is open-data export as a new dialogue, all or nothing."""
    from workingup.services.polis_io import import_polis_staged

    with opened(database) as db:
        # Short transactions into a hidden dialogue, then one switch: a server on the same database keeps
        # answering while a big export loads, and a failed import still leaves nothing behind.
        with progress(console) as report:
            summary = import_polis_staged(db.transaction, folder, slug=slug, progress=report)
        for warning in summary.warnings:
            errors.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
        console.print(
            f"Imported [bold]{summary.slug}[/]: {summary.participants:,} participants, "
            f"{summary.statements:,} statements, {summary.vote_events:,} votes (from {summary.votes_source})."
        )


@friendly_errors
def export_polis_command(
    folder: Annotated[Path, typer.Argument(help="Folder to write comments.csv, votes.csv, … into.")],
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """Export a dialogue in the Pol.is open-data format."""
    from workingup.services.polis_io import export_polis

    with in_dialogue(database, dialogue) as (session, target):
        paths = export_polis(session, target, folder)
    console.print(f"Wrote {', '.join(p.name for p in paths)} to {folder}.")
