"""The CLI end to end on a real SQLite file: happy paths, and one-line errors with a non-zero exit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workingup.cli import app

runner = CliRunner()


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("WORKINGUP_DATABASE_URL", url)
    return url


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output  # Click 8.2+: output holds stdout and stderr interleaved


@pytest.mark.slow
def test_init_demo_stats(db_url: str) -> None:
    code, out = run("init")
    assert code == 0, out
    assert "loaded dialogue working-up" in out
    code, out = run("init")
    assert code == 0
    assert "already present" in out
    code, out = run("demo", "--public", "50", "--if-empty")
    assert code == 0, out
    assert "98 simulated participants" in out
    assert "DEMO ONLY" not in out  # `serve` prints it, once (./run runs demo, then serve)
    assert "printed when the server starts" in out
    code, out = run("demo", "--if-empty")
    assert "already has participants" in out
    code, out = run("stats")
    assert code == 0
    assert "working-up" in out
    assert "simulated" in out


def test_import_export_and_errors(db_url: str, polis_root: Path, tmp_path: Path) -> None:
    run("init")
    code, out = run("import-polis", str(polis_root / "brexit-consensus"))
    assert code == 0, out
    assert "204 participants" in out
    code, out = run("import-polis", str(polis_root / "brexit-consensus"))
    assert code == 1
    assert "error: a dialogue called 'brexit-consensus' already exists" in out
    assert "Traceback" not in out
    code, out = run("export-polis", str(tmp_path / "out"), "--dialogue", "brexit-consensus")
    assert code == 0, out
    assert (tmp_path / "out" / "participants-votes.csv").exists()
    code, out = run("stats", "--dialogue", "nope")
    assert code == 1
    assert "no dialogue called 'nope'" in out


def test_bad_polis_folder_is_one_line(db_url: str, polis_root: Path, tmp_path: Path) -> None:
    run("init")
    folder = tmp_path / "bad"
    shutil.copytree(polis_root / "london.youth.policing", folder)
    with (folder / "votes.csv").open("a") as handle:
        handle.write("1,x,1,2,2\n")
    code, out = run("import-polis", str(folder), "--slug", "bad")
    assert code == 1
    assert out.strip().splitlines() == ["error: votes.csv line 642: vote must be -1, 0 or 1, not 2"]


def test_a_folder_without_votes_is_an_error_and_writes_nothing(
    db_url: str, polis_root: Path, tmp_path: Path
) -> None:
    """Issue 19: it imported "0 votes (from none)" and exited 0."""
    run("init")
    folder = tmp_path / "novotes"
    folder.mkdir()
    shutil.copy(polis_root / "london.youth.policing" / "comments.csv", folder)
    code, out = run("import-polis", str(folder))
    assert code == 1
    assert out.strip().splitlines() == [
        f"error: {folder}: has no votes.csv and no participants-votes.csv, so there are no votes to import "
        "(is this the whole export?)"
    ]
    code, out = run("stats")
    assert "novotes" not in out


def test_commands_before_init_say_what_to_do(db_url: str) -> None:
    code, out = run("stats")
    assert code == 1
    assert "run `workingup init`" in out


def test_unreachable_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKINGUP_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    code, out = run("stats")
    assert code == 1
    assert "cannot use the database at postgresql+psycopg://nobody@127.0.0.1:1/none" in out


def test_facilitator_add_creates_an_account_that_can_sign_in(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workingup.runtime.database import Database
    from workingup.services import accounts

    run("init")
    monkeypatch.setenv("WORKINGUP_NEW_PASSWORD", "a long enough password")
    code, out = run("facilitator", "add", "Lead@Example.org", "--name", "Lead")
    assert code == 0, out
    assert "Created facilitator lead@example.org; they facilitate working-up." in out
    code, out = run("facilitator", "add", "lead@example.org")
    assert code == 0, out
    assert "Found facilitator" in out
    monkeypatch.setenv("WORKINGUP_NEW_PASSWORD", "short")
    code, out = run("facilitator", "add", "other@example.org")
    assert code == 1
    assert "at least 12 characters" in out
    db = Database.open(db_url)
    try:
        with db.transaction() as session:
            opened = accounts.sign_in(session, "lead@example.org", "a long enough password", allow_demo=False)
            assert [d.slug for d in accounts.facilitated_dialogues(session, opened.facilitator.id)] == [
                "working-up"
            ]
    finally:
        db.close()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("127.0.0.2", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
        ("example.org", False),
    ],
)
def test_demo_sign_in_is_only_for_loopback_hosts(host: str, loopback: bool) -> None:
    from workingup.commands.serve import is_loopback as _is_loopback

    assert _is_loopback(host) is loopback


def test_error_text_is_printed_verbatim_not_as_markup(db_url: str) -> None:
    run("init")
    code, out = run("stats", "--dialogue", "[bold]x[/bold]")
    assert code == 1
    assert "no dialogue called '[bold]x[/bold]'" in out


def _commands(help_text: str) -> list[str]:
    """The command names in a Typer help screen's boxes (lines like `│ init   Create or upgrade …`)."""
    return sorted(
        line.split()[1] for line in help_text.splitlines() if line.startswith("│ ") and line[2] != " "
    )


def test_python_m_and_the_installed_script_list_the_same_commands() -> None:
    import subprocess
    import sys

    module = subprocess.run(
        [sys.executable, "-m", "workingup.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    ).stdout
    code, script = run("--help")
    assert code == 0
    assert _commands(module) == _commands(script)
    assert {"init", "serve", "analyze", "listen", "report", "track"} <= set(_commands(module))


def test_a_bug_is_a_traceback_not_a_one_line_error(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only errors a user can act on become one red line; a stray ValueError is a bug and must show as one."""
    import workingup.services.dialogues as dialogues

    def broken(*_: object, **__: object) -> None:
        raise ValueError("a bug")

    run("init")
    monkeypatch.setattr(dialogues, "get_dialogue", broken)
    result = runner.invoke(app, ["stats", "--dialogue", "working-up"])
    assert result.exit_code == 1
    assert isinstance(result.exception, ValueError)
    assert "error: a bug" not in result.output


HEAVY = ("sklearn", "scipy", "pyarrow", "torch", "sentence_transformers")
"""What a light command must not load: the analysis and themes engines, the columnar reader, the embeddings."""

LOADED_BY = """
import json, sys
from workingup.cli import app
try:
    app(sys.argv[1:], prog_name="workingup")
except SystemExit:
    pass
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def _top_level_modules_after(*args: str, env: dict[str, str] | None = None) -> set[str]:
    """Run the command in a fresh interpreter and return every top-level package it imported."""
    import json
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", LOADED_BY, *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "args",
    [("--help",), ("stats", "--help"), ("analyze", "--help"), ("recommend", "--help"), ("themes", "--help")],
)
def test_help_starts_without_the_heavy_engines(args: tuple[str, ...]) -> None:
    loaded = _top_level_modules_after(*args)
    assert "typer" in loaded  # the wrapper did run the command
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.slow
def test_stats_on_a_real_database_loads_no_heavy_engine(db_url: str) -> None:
    code, out = run("init")
    assert code == 0, out
    loaded = _top_level_modules_after("stats", env={"WORKINGUP_DATABASE_URL": db_url})
    assert "sqlalchemy" in loaded  # it did open the database
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_analyze_still_loads_the_engine_it_needs(polis_root: Path) -> None:
    """The counterpart: deferring the imports must not lose them (analyze of a real export runs the engine)."""
    loaded = _top_level_modules_after("analyze", "--polis", str(polis_root / "london.youth.policing"))
    assert {"sklearn", "scipy", "pyarrow"} <= loaded
