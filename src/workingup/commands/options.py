"""What every command shares: the database and dialogue options, the database for one command, a progress bar."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from workingup.config import Settings

if TYPE_CHECKING:  # SQLAlchemy and Alembic load when a command opens the database, not for --help or --polis
    from sqlalchemy.orm import Session

    from workingup.runtime.database import Database
    from workingup.services.records import Dialogue

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database", help="Database URL; defaults to WORKINGUP_DATABASE_URL or sqlite:///workingup.db."
    ),
]
DialogueOption = Annotated[
    str | None, typer.Option("--dialogue", "-d", help="Slug of the dialogue; defaults to the first one.")
]


def open_database(database: str | None, *, migrate: bool = False) -> Database:
    """The database named by --database, else by the environment (for a command that keeps it open)."""
    from workingup.runtime.database import Database

    return Database.open(database or Settings.from_env().database_url, migrate=migrate)


@contextmanager
def opened(database: str | None, *, migrate: bool = False) -> Iterator[Database]:
    """The database for one command, closed afterwards whatever happens."""
    db = open_database(database, migrate=migrate)
    try:
        yield db
    finally:
        db.close()


@contextmanager
def in_dialogue(
    database: str | None, dialogue: str | None, *, write: bool = False
) -> Iterator[tuple[Session, Dialogue]]:
    """A session and the dialogue --dialogue names, for one command's work on it.

    With `write`, the work is one transaction: committed when the block ends, entirely rolled back if it raises,
    so a refused command leaves nothing behind. What the block returns can be printed after it (records stay
    readable once their session ends); printing after, not inside, reports only what was committed.
    """
    from workingup.services.dialogues import get_dialogue

    with opened(database) as db, db.transaction() if write else db.sessions() as session:
        yield session, get_dialogue(session, dialogue)


def progress(console: Console) -> AbstractContextManager[Callable[[str, int, int], None]]:
    """A Rich progress bar fed by the services' (task, advance, total) callbacks."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return _fed(Progress(*columns, console=console, transient=False))


READ_BAR_BYTES = 64 * 2**20
"""Files smaller than this read in about a second: no bar for them."""


def read_progress(console: Console) -> AbstractContextManager[Callable[[str, int, int], None]]:
    """A byte-counting Rich bar for reading large files, fed by `read_polis`'s (task, bytes, size) callback.

    Transient and on the console given (stderr for `analyze`, so stdout stays the summary); a file under
    READ_BAR_BYTES gets no bar, so small exports print nothing extra.
    """
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    return _fed(Progress(*columns, console=console, transient=True), smallest=READ_BAR_BYTES)


@contextmanager
def _fed(bar: Progress, *, smallest: int = 0) -> Iterator[Callable[[str, int, int], None]]:
    """The bar, shown while the block runs, and the (task, advance, total) callback that feeds it; a task whose
    total is under `smallest` is not shown."""
    tasks: dict[str, Any] = {}

    def report(task: str, advance: int, total: int) -> None:
        if total < smallest:
            return
        if task not in tasks:
            tasks[task] = bar.add_task(task, total=total)
        bar.update(tasks[task], advance=advance, total=total)

    with bar:
        yield report
