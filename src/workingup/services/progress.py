"""How long-running services report progress without knowing who is watching (Rich in the CLI, nothing in tests)."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]
"""Called as progress(task, advance, total): `advance` more units of `task`, out of `total`, are done."""


def no_progress(task: str, advance: int, total: int) -> None:
    """The default: nobody is watching."""
