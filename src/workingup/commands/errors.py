"""What every command shares: the database and dialogue options, and one-line errors instead of tracebacks."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from workingup.config import Settings
from workingup.dialogues import DefinitionError
from workingup.domain import InputFormatError
from workingup.services.database import Database
from workingup.services.errors import ServiceError

P = ParamSpec("P")
R = TypeVar("R")

errors = Console(stderr=True, soft_wrap=True)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database", help="Database URL; defaults to WORKINGUP_DATABASE_URL or sqlite:///workingup.db."
    ),
]
DialogueOption = Annotated[
    str | None, typer.Option("--dialogue", "-d", help="Slug of the dialogue; defaults to the first one.")
]


def friendly_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn the errors a user can act on into one red line and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (ServiceError, InputFormatError, DefinitionError, ValueError) as error:
            errors.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
            raise typer.Exit(1) from None

    return wrapper


def open_database(database: str | None, *, migrate: bool = False) -> Database:
    return Database.open(database or Settings.from_env().database_url, migrate=migrate)


@contextmanager
def opened(database: str | None) -> Iterator[Database]:
    """The database for one command, closed afterwards whatever happens."""
    db = open_database(database)
    try:
        yield db
    finally:
        db.close()
