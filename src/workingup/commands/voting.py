"""`workingup voting …`: close a dialogue's voting, open it again, or choose the phase that closes it.

Why on the command line too: a facilitator running the dialogue from a terminal (or a script that makes the final
report) must be able to freeze the figures the report is drawn from, as the setup page's switch does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from workingup.commands.errors import friendly_errors
from workingup.commands.options import DatabaseOption, DialogueOption, in_dialogue

if TYPE_CHECKING:
    from workingup.services.records import Dialogue

console = Console(soft_wrap=True)
voting_app = typer.Typer(
    help="When voting closes: after it, nobody joins, votes or adds a statement.", no_args_is_help=True
)


def _state(target: Dialogue) -> str:
    from workingup.domain import Phase

    closed_at, closes_in = target.voting_closed_at, target.voting_closes_in
    state = f"closed since {closed_at:%Y-%m-%d %H:%M} UTC" if closed_at else "open"
    rule = (
        f"closes when it enters {closes_in.label!r}"
        if isinstance(closes_in, Phase)
        else "closes only by hand"
    )
    return f"Voting in {target.slug} is {state}; it {rule}."


@voting_app.command("status")
@friendly_errors
def voting_status(database: DatabaseOption = None, dialogue: DialogueOption = None) -> None:
    """Say whether voting is open and which phase closes it."""
    with in_dialogue(database, dialogue) as (_session, target):
        console.print(_state(target))


@voting_app.command("close")
@friendly_errors
def voting_close(database: DatabaseOption = None, dialogue: DialogueOption = None) -> None:
    """Close voting now: no more participants, votes or statements; the results stay as they are."""
    from workingup.services import setup

    with in_dialogue(database, dialogue, write=True) as (_session, target):
        setup.close_voting(target)
    console.print(_state(target))


@voting_app.command("open")
@friendly_errors
def voting_open(database: DatabaseOption = None, dialogue: DialogueOption = None) -> None:
    """Open voting again (closed by mistake, or a second round of voting)."""
    from workingup.services import setup

    with in_dialogue(database, dialogue, write=True) as (_session, target):
        setup.reopen_voting(target)
    console.print(_state(target))


@voting_app.command("closes-in")
@friendly_errors
def voting_closes_in(
    phase: Annotated[
        str, typer.Argument(help="The phase whose start closes voting (e.g. recommendations), or never.")
    ],
    database: DatabaseOption = None,
    dialogue: DialogueOption = None,
) -> None:
    """Choose the phase whose start closes voting (the last phase, action, unless changed)."""
    from workingup.services import setup

    with in_dialogue(database, dialogue, write=True) as (_session, target):
        setup.set_voting_closes_in(target, setup.voting_closes_in(phase))
    console.print(_state(target))
