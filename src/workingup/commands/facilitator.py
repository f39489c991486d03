"""`workingup facilitator …`: facilitator accounts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from workingup.commands.errors import friendly_errors
from workingup.commands.options import DatabaseOption, DialogueOption, in_dialogue

console = Console(soft_wrap=True)
facilitator_app = typer.Typer(help="Facilitator accounts.", no_args_is_help=True)


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

    with in_dialogue(database, dialogue, write=True) as (session, target):
        account = facilitator_by_email(session, email)
        created = account is None
        if account is None:
            account = create_facilitator(session, email, password, name)
        grant_dialogue(session, account, target)
    verb = "Created" if created else "Found"
    console.print(f"{verb} facilitator [bold]{account.email}[/]; they facilitate [bold]{target.slug}[/].")
