"""`workingup analyze` through Typer's CliRunner, on a small app built here (the lead's cli.py registers it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from workingup.analysis import SETTINGS_HELP, AnalysisSettings, VoteMatrix
from workingup.analysis import analyze as run_analysis
from workingup.commands.analyze import analyze, load_polis, print_summary

app = typer.Typer()
app.command()(analyze)
runner = CliRunner()


def test_prints_groups_consensus_and_writes_json(polis_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    done = runner.invoke(
        app, ["--polis", str(polis_root / "brexit-consensus"), "--json", str(out), "--top", "3"]
    )
    assert done.exit_code == 0, done.output
    for heading in (
        "Opinion groups",
        "Group A: representative",
        "Group B: representative",
        "Consensus",
        "Bridging",
        "Divisive",
    ):
        assert heading in done.output
    assert "Convergence verdict (three lenses)" in done.output
    document = json.loads(out.read_text(encoding="utf-8"))
    votes, _, _ = load_polis(polis_root / "brexit-consensus")
    expected = run_analysis(votes.matrix)
    assert document["analysis"] == json.loads(expected.to_json())
    assert len(document["convergence"]["verdict"]) == votes.matrix.n_statements
    assert document["convergence"]["lenses"]["blocs"] is None  # a Pol.is export declares no blocs
    first = expected.groups[0].representative[0]
    assert votes.texts[first.statement_id].split()[0] in done.output


def test_options_reach_the_analysis(polis_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    args = [
        "--polis",
        str(polis_root / "london.youth.policing"),
        "--json",
        str(out),
        "--max-groups",
        "8",
        "--pass-weight",
        "0.5",
        "--seed",
        "3",
    ]
    assert runner.invoke(app, args).exit_code == 0
    settings = json.loads(out.read_text(encoding="utf-8"))["analysis"]["settings"]
    assert (settings["max_groups"], settings["pass_weight"], settings["random_state"]) == (8, 0.5, 3)


@pytest.mark.parametrize("args", [["--max-groups", "9"], ["--pass-weight", "2"]])
def test_bad_options_are_refused(polis_root: Path, args: list[str]) -> None:
    done = runner.invoke(app, ["--polis", str(polis_root / "london.youth.policing"), *args])
    assert done.exit_code == 2


def test_polis_and_database_sources_are_exclusive(polis_root: Path) -> None:
    done = runner.invoke(app, ["--polis", str(polis_root / "london.youth.policing"), "--dialogue", "x"])
    assert done.exit_code == 1
    assert "either --polis or a dialogue" in done.output


@pytest.mark.slow
def test_analyses_the_demo_dialogue_from_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workingup.cli import app as main_app

    monkeypatch.setenv("WORKINGUP_DATABASE_URL", f"sqlite:///{tmp_path / 'a.db'}")
    assert runner.invoke(main_app, ["init"]).exit_code == 0
    assert runner.invoke(main_app, ["demo", "--public", "300"]).exit_code == 0
    out = tmp_path / "demo.json"
    done = runner.invoke(main_app, ["analyze", "--json", str(out)])
    assert done.exit_code == 0, done.output
    assert "Convergence verdict (three lenses)" in done.output
    assert "Blocs" in done.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["convergence"]["lenses"]["blocs"]["support"]["bloc_names"] == ["left", "right"]
    assert document["sectors"]["bloc_names"][0] == "employers"
    assert "convergence" in document["convergence"]["verdict"]


def test_missing_dialogue_is_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workingup.cli import app as main_app

    monkeypatch.setenv("WORKINGUP_DATABASE_URL", f"sqlite:///{tmp_path / 'b.db'}")
    runner.invoke(main_app, ["init"])
    done = runner.invoke(main_app, ["analyze", "--dialogue", "nope"])
    assert done.exit_code == 1
    assert done.output.strip().startswith("error: no dialogue called 'nope'")


def test_missing_folder_is_refused(tmp_path: Path) -> None:
    done = runner.invoke(app, ["--polis", str(tmp_path / "nowhere")])
    assert done.exit_code == 2
    assert "does not exist" in " ".join(done.output.replace("│", " ").split())


def test_malformed_export_is_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "comments.csv").write_text(
        "comment-id,author-id,moderated,comment-body\n1,2,x,hello\n", encoding="utf-8"
    )
    done = runner.invoke(app, ["--polis", str(tmp_path)])
    assert done.exit_code == 1
    assert "comments.csv line 2" in done.output


def test_every_option_and_setting_is_documented() -> None:
    command = typer.main.get_command(app)
    options = [p for p in command.params if p.name != "help"]
    assert options
    assert all(getattr(p, "help", None) for p in options), "an option has no help text"
    defaults = {p.name: p.default for p in options}
    settings = AnalysisSettings()
    assert (defaults["max_groups"], defaults["pass_weight"], defaults["seed"]) == (
        settings.max_groups,
        settings.pass_weight,
        settings.random_state,
    )
    assert all(help_text.strip() for _, _, help_text in SETTINGS_HELP)
    assert [name for name, _, _ in SETTINGS_HELP] == list(settings.to_dict())


def test_summary_of_a_matrix_without_groups() -> None:
    console = Console(record=True, width=100)
    result = run_analysis(VoteMatrix.from_arrays([], [], [], participants=[1, 2], statements=[1]))
    print_summary(result, {1: "nobody voted"}, console=console)
    assert "Not enough votes to find opinion groups yet." in console.export_text()


def test_summary_escapes_markup_in_statement_texts() -> None:
    matrix = VoteMatrix.from_arrays([1, 2, 3, 4] * 2, [1] * 4 + [2] * 4, [1, 1, -1, -1, 1, 1, -1, -1])
    console = Console(record=True, width=120)
    print_summary(run_analysis(matrix), {1: "[bold]not markup[/bold]", 2: "plain"}, console=console)
    text = console.export_text()
    assert "[bold]not markup[/bold]" in text


def test_lenses_choose_what_the_verdict_is_drawn_from(polis_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "groups.json"
    folder = str(polis_root / "brexit-consensus")
    done = runner.invoke(app, ["--polis", folder, "--lenses", "groups", "--json", str(out)])
    assert done.exit_code == 0, done.output
    assert "Convergence verdict (groups)" in done.output
    assert "Bridging: sides" not in done.output
    verdict = json.loads(out.read_text(encoding="utf-8"))["convergence"]
    assert verdict["settings"]["lenses"] == ["groups"]
    assert not any("bridging" in reason for reason in verdict["reasons"])
    # Drawn from the groups alone, a statement is convergence exactly when the group lens passes.
    passed = verdict["lenses"]["groups"]["passed"]
    assert all(
        (v == "convergence") == p
        for v, p in zip(verdict["verdict"], passed, strict=True)
        if v not in ("excluded", "needs_more_votes")
    )


@pytest.mark.parametrize(
    ("lenses", "message"),
    [("nope", "lenses must be one or more of"), ("blocs", "needs declared blocs")],
)
def test_bad_lenses_are_refused_in_one_line(polis_root: Path, lenses: str, message: str) -> None:
    done = runner.invoke(app, ["--polis", str(polis_root / "london.youth.policing"), "--lenses", lenses])
    assert done.exit_code == 1
    assert message in done.output


def test_no_coordination_says_so(polis_root: Path) -> None:
    done = runner.invoke(app, ["--polis", str(polis_root / "london.youth.policing"), "--no-coordination"])
    assert done.exit_code == 0, done.output
    assert "Coordinated-voting detection is off" in done.output
