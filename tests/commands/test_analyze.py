"""`workingup analyze` through Typer's CliRunner, on a small app built here (the lead's cli.py registers it)."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema_rs
import numpy as np
import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from workingup.analysis import SETTINGS_HELP, AnalysisSettings, VoteMatrix
from workingup.analysis import analyze as run_analysis
from workingup.analysis.repness import RepresentativeStatement
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
        "Majority agrees",
        "Highest group-informed consensus",
        "Divisive",
    ):
        assert heading in done.output
    assert "Convergence verdict (three lenses)" in done.output
    document = json.loads(out.read_text(encoding="utf-8"))
    votes, _, _, _ = load_polis(polis_root / "brexit-consensus")
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
    assert [e.message for e in _validator().iter_errors(document)] == []
    assert document["source"]["kind"] == "database"
    assert "Votes: dialogue " in done.output
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


# --- Output that explains itself (issue 15) -----------------------------------------------------------------------

COUNT_SHARE = re.compile(r"(\d+(?:\.\d)?)/(\d+(?:\.\d)?) (agree|disagree) \((\d+)%\)")


@pytest.fixture(scope="module")
def brexit(polis_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    """One run of the command on a real conversation, read by several tests (an analysis takes seconds)."""
    out = tmp_path_factory.mktemp("brexit") / "result.json"
    done = runner.invoke(
        app,
        ["--polis", str(polis_root / "brexit-consensus"), "--json", str(out), "--top", "5", "--all"],
        env={"COLUMNS": "250"},
    )
    assert done.exit_code == 0, done.output
    return done.output, json.loads(out.read_text(encoding="utf-8"))


def test_every_percentage_beside_a_count_is_its_raw_share(brexit: tuple[str, dict[str, Any]]) -> None:
    """ "1/1 disagree (67%)" was Pol.is's smoothed (n+1)/(N+2) printed beside a raw count."""
    output, _ = brexit
    found = COUNT_SHARE.findall(output)
    assert len(found) >= 10  # the representative statements and both majority tables
    for n, total, _vote, percent in found:
        assert int(percent) == round(100 * float(n) / float(total)), (n, total, percent)


def test_representative_statements_show_the_vote_their_count_is_of(
    brexit: tuple[str, dict[str, Any]],
) -> None:
    """Each row's count is the group's own count of the vote it names, and the others' count beside it."""
    output, document = brexit
    analysis = document["analysis"]
    statements = analysis["statements"]
    column = {sid: c for c, sid in enumerate(statements["id"])}
    checked = 0
    for g, group in enumerate(analysis["groups"]):
        for r in group["representative"]:
            vote = "agree" if r["best_agree"] or r["repful_for"] == "agree" else "disagree"
            c = column[r["statement_id"]]
            mine = statements[f"group_{vote}"]
            seen = statements["group_seen"]
            group_figure = f"{mine[g][c]}/{seen[g][c]} {vote}"
            rest = sum(row[c] for row in mine) - mine[g][c]
            rest_seen = sum(row[c] for row in seen) - seen[g][c]
            row = f"{r['statement_id']}{'*' if r['best_agree'] else ''}"
            assert re.search(
                rf"{re.escape(row)} .*{re.escape(group_figure)} \(\d+%\) .*{rest}/{rest_seen} {vote}", output
            ), (group["name"], r)
            checked += 1
    assert checked >= 4


def test_best_agree_is_never_printed_as_a_disagree(polis_root: Path) -> None:
    """The reported bug: Pol.is labels a group's best agree "disagree" when the others agree even more, and the
    row read "0/23 disagree (4%)" for a group where 21 of 23 agreed."""
    votes, _, _, _ = load_polis(polis_root / "london.youth.policing")
    result = run_analysis(votes.matrix)
    group = result.groups[0]
    c = int(np.argmax(result.group_counts.agree[0] * result.selectable))  # the statement A agrees with most
    n_agree, n_seen = int(result.group_counts.agree[0, c]), int(result.group_counts.seen[0, c])
    n_disagree = int(result.group_counts.disagree[0, c])
    assert n_agree > n_disagree
    pol_is_label = RepresentativeStatement(  # what Pol.is's finalize gives when rdt > rat
        statement_id=result.statement_ids[c].item(),
        repful_for="disagree",
        n_success=n_disagree,
        n_trials=n_seen,
        p_success=(n_disagree + 1) / (n_seen + 2),
        p_test=0.0,
        repness=0.5,
        repness_test=-1.0,
        best_agree=True,
        n_agree=n_agree,
    )
    groups = (replace(group, representative=(pol_is_label,)), *result.groups[1:])
    console = Console(record=True, width=250)
    print_summary(replace(result, groups=groups), votes.texts, console=console)
    text = console.export_text()
    assert f"{n_agree}/{n_seen} agree ({round(100 * n_agree / n_seen)}%)" in text
    assert f"{n_disagree}/{n_seen} disagree" not in text


def test_predicted_support_is_printed_within_its_scale(brexit: tuple[str, dict[str, Any]]) -> None:
    output, document = brexit
    bridging = document["convergence"]["lenses"]["bridging"]
    values = [v for v in bridging["support_low"] + bridging["support_high"] if v is not None]
    assert any(v > 1 for v in values)
    assert any(v < 0 for v in values)
    printed = [float(v) for v in re.findall(r"(-?\d+\.\d\d) / ", output)] + [
        float(v) for v in re.findall(r" / (-?\d+\.\d\d)", output)
    ]
    assert printed
    assert all(0.0 <= v <= 1.0 for v in printed)
    assert "≥ 1.00" in output
    assert "≤ 0.00" in output
    # The verdict's reasons (the dashboard's "Why") follow the same rule.
    reasons = " ".join(document["convergence"]["reasons"])
    assert all(0.0 <= float(v) <= 1.0 for v in re.findall(r"-?\d+\.\d\d", reasons))


def test_verdict_words_have_one_meaning(brexit: tuple[str, dict[str, Any]]) -> None:
    """ "rejected" is Pol.is's word for moderated out; the verdict it named is printed "unsupported"."""
    output, document = brexit
    verdicts = document["convergence"]["verdict"]
    assert "rejected" not in output.lower()
    unsupported = sum(v == "rejected" for v in verdicts)
    assert unsupported
    assert f"{unsupported} unsupported" in output
    assert "Majority consensus" not in output
    assert "Bridging: every group agrees" not in output


def test_prints_and_writes_the_vote_source_thresholds_and_seed(
    brexit: tuple[str, dict[str, Any]], polis_root: Path
) -> None:
    output, document = brexit
    flat = " ".join(output.split())
    assert f"Votes: Pol.is export {polis_root / 'brexit-consensus'}, votes read from votes.csv." in flat
    settings = document["analysis"]["settings"]
    verdict = document["convergence"]["settings"]
    assert f"at least {settings['min_votes']} votes" in flat
    assert f"z > {settings['z_threshold']}" in flat
    assert f"at least {verdict['min_votes']} votes on a statement" in flat
    assert f"Seed: {settings['random_state']} (reaches the bootstrap interval" in flat
    assert "k-means" not in flat.split("Seed:")[1].split(";")[0]  # the groups never depend on the seed
    assert document["source"] == {
        "kind": "polis",
        "path": str(polis_root / "brexit-consensus"),
        "votes_file": "votes.csv",
    }
    bars = document["thresholds"]
    assert bars["min_votes_to_be_grouped"] == settings["min_votes"]
    assert bars["z_threshold"] == settings["z_threshold"]
    assert (bars["verdict_min_votes"], bars["verdict_min_group_votes"]) == (
        verdict["min_votes"],
        verdict["min_group_votes"],
    )
    assert document["seed"]["analysis"] == settings["random_state"] == verdict["random_state"]


def test_names_participants_votes_when_there_is_no_votes_csv(polis_root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "no-event-log"
    folder.mkdir()
    for name in ("comments.csv", "participants-votes.csv"):
        shutil.copy(polis_root / "london.youth.policing" / name, folder / name)
    out = tmp_path / "r.json"
    done = runner.invoke(
        app, ["--polis", str(folder), "--json", str(out), "--seed", "4"], env={"COLUMNS": "250"}
    )
    assert done.exit_code == 0, done.output
    assert "votes read from participants-votes.csv" in done.output
    assert "Seed: 4 " in done.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["source"]["votes_file"] == "participants-votes.csv"
    assert document["seed"]["analysis"] == 4


SCHEMA = Path(__file__).parents[2] / "docs" / "analyze-json.schema.json"
DOC = Path(__file__).parents[2] / "docs" / "analyze-json.md"


def _validator() -> Any:
    return jsonschema_rs.validator_for(json.loads(SCHEMA.read_text(encoding="utf-8")))


def test_the_json_matches_its_documented_schema(brexit: tuple[str, dict[str, Any]]) -> None:
    """docs/analyze-json.schema.json is strict (no undocumented key), so a renamed or added field fails here."""
    _, document = brexit
    validator = _validator()
    assert [e.message for e in validator.iter_errors(document)] == []
    drifted = json.loads(json.dumps(document))
    drifted["analysis"]["statements"]["moderated_out"] = drifted["analysis"]["statements"].pop("rejected")
    assert not validator.is_valid(drifted)


def test_the_json_doc_names_every_field_of_the_schema() -> None:
    doc = DOC.read_text(encoding="utf-8")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))

    def names(node: Any) -> set[str]:
        found: set[str] = set()
        if isinstance(node, dict):
            found |= set(node.get("properties", {}))
            for value in node.values():
                found |= names(value)
        elif isinstance(node, list):
            for value in node:
                found |= names(value)
        return found

    missing = sorted(n for n in names(schema) if f"`{n}`" not in doc)
    assert not missing, missing


def test_the_printed_silhouettes_explain_the_number_of_groups(polis_root: Path) -> None:
    """brexit-consensus: 2 and 3 groups score within the tie; the line must show why 2 were chosen."""
    done = runner.invoke(app, ["--polis", str(polis_root / "brexit-consensus"), "--top", "1"])
    assert done.exit_code == 0, done.output
    flat = " ".join(done.output.split())
    line = flat.split("Silhouette by number of groups:")[1].split(")")[0]
    pairs = (part.strip().removeprefix("k=").split(": ") for part in line.split("(")[0].split(","))
    scores = {int(k): float(v) for k, v in pairs}
    n_groups = int(flat.split("clustered into ")[1].split()[0])
    tie = float(line.split("within ")[1].split()[0])
    top = max(scores.values())
    assert n_groups == min(k for k, v in scores.items() if v > top - tie)
    assert "no group may have fewer than 5 members" in flat
