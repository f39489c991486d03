"""`workingup stats`: counts of participants, statements and votes per dialogue."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from workingup.commands.errors import friendly_errors
from workingup.commands.options import DatabaseOption, DialogueOption, opened
from workingup.domain import Moderation

console = Console(soft_wrap=True)


@friendly_errors
def stats(database: DatabaseOption = None, dialogue: DialogueOption = None) -> None:
    """Counts of participants, statements and votes per dialogue."""
    from workingup.services.dialogues import get_dialogue
    from workingup.store.queries import all_dialogues, dialogue_counts

    with opened(database) as db:
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
