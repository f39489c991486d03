"""A refused value names its command-line option on the command line only (the web shows it beside the field)."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from workingup.commands.errors import friendly_errors
from workingup.services.errors import Invalid


def test_an_invalid_value_names_its_option_on_the_command_line() -> None:
    app = typer.Typer()

    @app.command()
    @friendly_errors
    def draft() -> None:
        raise Invalid(
            "the statements belong to different focus areas; choose the recommendation's",
            "focus_area",
            "--focus-area",
        )

    result = CliRunner().invoke(app, [])
    assert result.exit_code == 1
    assert "choose the recommendation's (--focus-area)" in result.output


def test_the_message_itself_names_no_option() -> None:
    error = Invalid("a recommendation needs a title", "title", "--title")
    assert str(error) == "a recommendation needs a title"
    with pytest.raises(Invalid, match=r"^a recommendation needs a title$"):
        raise error
