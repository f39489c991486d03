"""One-line errors instead of tracebacks, for the errors a user can act on and only those.

`friendly_errors` catches `UserError` (bad input: an option, a file, a setting) and `ServiceError` (a request the
services refuse, with the reason). Anything else, a plain `ValueError` included, is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from workingup.errors import UserError
from workingup.services.errors import Invalid, ServiceError

P = ParamSpec("P")
R = TypeVar("R")

errors = Console(stderr=True, soft_wrap=True)


def friendly_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn the errors a user can act on into one red line and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (UserError, ServiceError) as error:
            hint = f" ({error.option})" if isinstance(error, Invalid) and error.option else ""
            errors.print(f"[bold red]error:[/] {escape(str(error) + hint)}", highlight=False)
            raise typer.Exit(1) from None

    return wrapper
