"""`workingup analyze`: the opinion groups, consensus and convergence verdict of a dialogue, as a facilitator reads them.

Separate pieces, so each source and each view can change without touching the rest:
- `load_polis(folder)` / `load_dialogue(database, slug)` → the votes (`DialogueVotes`), a title, the dialogue id
  and where the votes were read (`source`, printed and written to the JSON);
- `run_with_progress(matrix, settings)` → an `AnalysisResult`, with a Rich progress display;
- `print_provenance(...)` → the vote source, the thresholds and the seed, so a reader can reproduce the figures;
- `print_summary(result, texts)` → groups with their sizes and representative statements, majorities, the
  highest group-informed consensus and divisive statements (Pol.is's view);
- `print_convergence(verdict, texts)` (commands/convergence_view.py) → the three lenses and the verdict.
`analyze` chains them and optionally writes the full result as JSON (its schema: docs/analyze-json.md).

Every percentage printed beside a count is the raw share of that count (`analysis.figures`); Pol.is's smoothed
probabilities stay in the JSON, where they are named as such.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from workingup.analysis.convergence_settings import LENSES, ConvergenceSettings
from workingup.analysis.figures import count_share, share, shown_direction
from workingup.analysis.settings import MAX_GROUPS, STEPS, AnalysisSettings
from workingup.commands.convergence_view import print_convergence
from workingup.commands.options import read_progress
from workingup.polis.model import PolisFormatError
from workingup.services.errors import ServiceError

if TYPE_CHECKING:  # the engine (SciPy, scikit-learn) is imported by the commands that run it, not by --help
    from workingup.analysis import AnalysisResult, VoteMatrix
    from workingup.services.analysis import DialogueVotes

__all__ = ["analyze", "load_polis", "print_provenance", "print_summary", "run_with_progress"]

_DEFAULTS = AnalysisSettings()
_STEP_LABELS = {
    "projection": "Projecting the opinion map",
    "groups": "Finding opinion groups",
    "statistics": "Scoring statements",
}


def analyze(
    polis: Annotated[
        Path | None,
        typer.Option(
            "--polis",
            exists=True,
            file_okay=False,
            dir_okay=True,
            help="Analyse a Pol.is export folder (comments.csv, votes…) instead of a dialogue in the database.",
        ),
    ] = None,
    dialogue: Annotated[
        str | None, typer.Option("--dialogue", "-d", help="Slug of the dialogue; defaults to the first one.")
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(
            "--database", help="Database URL; defaults to WORKINGUP_DATABASE_URL or sqlite:///workingup.db."
        ),
    ] = None,
    json_out: Annotated[
        Path | None,
        typer.Option("--json", dir_okay=False, help="Also write the full result as JSON to this file."),
    ] = None,
    max_groups: Annotated[
        int,
        typer.Option(
            min=2,
            max=MAX_GROUPS,
            help=f"Largest number of opinion groups tried, 2 to {MAX_GROUPS} (Pol.is: 5).",
        ),
    ] = _DEFAULTS.max_groups,
    pass_weight: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="How much a pass counts in consensus: 1 as Pol.is (as a disagree), 0 ignores passes.",
        ),
    ] = _DEFAULTS.pass_weight,
    seed: Annotated[
        int,
        typer.Option(
            help="Seed of the sampling-based parts (bootstrap intervals, the coordination search, the bridging "
            "fit's start); the opinion groups never depend on it."
        ),
    ] = _DEFAULTS.random_state,
    top: Annotated[int, typer.Option(min=1, max=50, help="Statements listed per section.")] = 5,
    show_all: Annotated[
        bool,
        typer.Option(
            "--all", help="List every statement in the convergence table, not the top of each verdict."
        ),
    ] = False,
    lenses: Annotated[
        str,
        typer.Option(
            help="The lenses the verdict is drawn from, comma-separated: groups, bridging, blocs (the default: all).",
        ),
    ] = ",".join(LENSES),
    coordination: Annotated[
        bool,
        typer.Option(
            "--coordination/--no-coordination",
            help="Detect coordinated voting and count each bloc as one voice (off: for comparison only).",
        ),
    ] = True,
) -> None:
    """Opinion groups, what sets them apart, what they agree on, and the three-lens convergence verdict."""
    console = Console(soft_wrap=True)
    errors = Console(stderr=True, soft_wrap=True)
    if polis is not None and (dialogue is not None or database is not None):
        errors.print(
            "[bold red]error:[/] give either --polis or a dialogue in the database, not both", highlight=False
        )
        raise typer.Exit(1)
    try:
        votes, title, dialogue_id, source = (
            load_polis(polis) if polis is not None else load_dialogue(database, dialogue)
        )
    except (PolisFormatError, ServiceError) as error:  # bad input: one line naming the problem
        errors.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        raise typer.Exit(1) from None
    try:
        chosen = tuple(dict.fromkeys(name.strip() for name in lenses.split(",") if name.strip()))
        verdict_settings = ConvergenceSettings(
            lenses=chosen, detect_coordination=coordination, random_state=seed
        )
    except ValueError as error:
        errors.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        raise typer.Exit(1) from None
    if chosen == ("blocs",) and not (votes.side >= 0).any():
        errors.print(
            "[bold red]error:[/] the blocs lens alone needs declared blocs (a roster with leanings); "
            "these votes have none",
            highlight=False,
        )
        raise typer.Exit(1)
    from workingup.services.analysis import DialogueAnalysis, weigh

    settings = AnalysisSettings(max_groups=max_groups, pass_weight=pass_weight, random_state=seed)
    result = run_with_progress(votes.matrix, settings)
    with Console(stderr=True).status("Weighing the three lenses of the convergence verdict"):
        verdict, sectors = weigh(votes, result, convergence_settings=verdict_settings)
    print_summary(result, votes.texts, console=console, title=title, top=top)
    print_convergence(verdict, votes.texts, console=console, top=max(top, 10), show_all=show_all)
    print_provenance(source, settings, verdict_settings, console=console)
    if json_out is not None:
        package = DialogueAnalysis(dialogue_id, datetime.now(UTC), votes, result, verdict, sectors, source)
        json_out.write_text(package.to_json(), encoding="utf-8")
        console.print(f"Full result written to {json_out}", highlight=False)


def load_polis(folder: Path) -> tuple[DialogueVotes, str, int, dict[str, Any]]:
    """The votes and statement texts of a Pol.is export, the conversation's title, and which file was read."""
    from workingup.polis import read_polis
    from workingup.services.analysis import polis_source, votes_from_polis

    with read_progress(Console(stderr=True)) as progress:
        conversation = read_polis(folder, progress=progress)
    source = polis_source(folder, conversation.votes_source)
    return votes_from_polis(conversation), conversation.title or folder.name, 0, source


def load_dialogue(database: str | None, slug: str | None) -> tuple[DialogueVotes, str, int, dict[str, Any]]:
    """The current votes of a dialogue in the database, with its roster's declared blocs."""
    from workingup.config import Settings
    from workingup.services.analysis import database_source, load_votes
    from workingup.services.database import Database
    from workingup.services.dialogues import get_dialogue

    url = database or Settings.from_env().database_url
    db = Database.open(url)
    try:
        with db.sessions() as session:
            target = get_dialogue(session, slug)
            source = database_source(url, target.slug, target.id)
            return load_votes(session, target), target.title, target.id, source
    finally:
        db.close()


def print_provenance(
    source: Mapping[str, Any],
    settings: AnalysisSettings,
    verdict_settings: ConvergenceSettings,
    *,
    console: Console,
) -> None:
    """Where the votes came from, every bar a figure had to clear, and the seed: what a reader needs to redo it.

    The figures are read from the same functions that write them to the JSON (`services.analysis.thresholds`
    and `seed_use`), so the two cannot say different things.
    """
    from workingup.services.analysis import seed_use, thresholds

    if source.get("kind") == "polis":
        where = f"Pol.is export {source['path']}, votes read from {source['votes_file']}"
    else:
        where = f"dialogue {source['dialogue']!r} (id {source['dialogue_id']}) in {source['database']}"
    bars = thresholds(settings, verdict_settings)
    seeds = seed_use(settings, verdict_settings)
    level = f"{bars['verdict_level']:.0%}"
    lines = [
        f"Votes: {where}.",
        f"Grouped: participants with at least {bars['min_votes_to_be_grouped']} votes (or votes on every "
        f"statement, when there are fewer; while fewer than {bars['grouped_at_least']} qualify, the most active "
        "voters are added); the others are placed on the map but not in a group.",
        f"Significance: z > {bars['z_threshold']} (one-sided 90%) for representative and majority statements.",
        f"Verdict: at least {bars['verdict_min_votes']} votes on a statement and {bars['verdict_min_group_votes']} "
        f"from every group or bloc it is judged across; groups and blocs pass at a {level} lower bound "
        f"≥ {bars['verdict_support_bar']:.0%}; bridging needs {bars['bridging_min_votes']} votes, "
        f"{bars['bridging_min_side_votes']} from each side, and passes at predicted support "
        f"≥ {bars['bridging_min_side_support']} on both sides.",
        f"Seed: {seeds['analysis']} (reaches {', '.join(seeds['affects'])}); the same seed and votes give the "
        "same output.",
        "Percentages beside counts are raw shares (21/23 = 91%); Pol.is's smoothed (n+1)/(N+2) figures are in "
        "the JSON only.",
    ]
    console.print("[dim]" + "\n".join(escape(line) for line in lines) + "[/]", highlight=False)


def run_with_progress(
    matrix: VoteMatrix,
    settings: AnalysisSettings,
    *,
    previous: AnalysisResult | None = None,
    console: Console | None = None,
) -> AnalysisResult:
    """Run the analysis with one spinner line per step (on stderr, so stdout stays the summary)."""
    from workingup.analysis import analyze as run_analysis

    display = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console or Console(stderr=True),
        transient=True,
    )
    with display:
        task = display.add_task(f"Analysing {matrix.n_votes:,} votes", total=len(STEPS))
        done = 0

        def step(name: str) -> None:
            nonlocal done
            display.update(task, completed=done, description=_STEP_LABELS.get(name, name))
            done += 1

        result = run_analysis(matrix, settings, previous=previous, progress=step)
        display.update(task, completed=len(STEPS))
    return result


def print_summary(
    result: AnalysisResult,
    texts: Mapping[Any, str],
    *,
    console: Console | None = None,
    title: str = "",
    top: int = 5,
) -> None:
    """A facilitator's reading of the result: who the groups are, what sets them apart, where they meet."""
    console = console or Console(soft_wrap=True)
    clustered = int(result.clustered.sum())
    heading = f"[bold]{escape(title)}[/]\n" if title else ""
    console.print(
        f"{heading}{len(result.participant_ids):,} participants, {len(result.statement_ids):,} statements, "
        f"{result.n_votes:,} votes; {clustered:,} participants clustered into {result.n_groups} opinion groups.",
        highlight=False,
    )
    if not result.groups:
        console.print("Not enough votes to find opinion groups yet.")
        return
    if result.silhouettes:
        from workingup.analysis.clustering import SILHOUETTE_TIE

        scores = ", ".join(f"k={k}: {v:.3f}" for k, v in sorted(result.silhouettes.items()))
        console.print(
            f"[dim]Silhouette by number of groups: {scores} (the highest wins; within {SILHOUETTE_TIE} is a tie, "
            f"which fewer groups win; no group may have fewer than {result.settings.min_group_size} members)[/]",
            highlight=False,
        )

    sizes = Table(title="Opinion groups", title_justify="left")
    sizes.add_column("Group")
    sizes.add_column("Members", justify="right")
    sizes.add_column("Share", justify="right")
    for group in result.groups:
        sizes.add_row(group.name, f"{group.size:,}", f"{group.size / clustered:.0%}")
    console.print(sizes)

    counts = result.group_counts
    column = {sid: c for c, sid in enumerate(result.statement_ids.tolist())}
    for g, group in enumerate(result.groups):
        table = Table(title=f"Group {group.name}: representative statements", title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("Statement", ratio=1)
        table.add_column("Group", justify="right")
        table.add_column("Others", justify="right")
        for s in group.representative[:top]:
            vote = shown_direction(s.repful_for, s.best_agree)
            c = column[s.statement_id]
            mine = counts.agree[:, c] if vote == "agree" else counts.disagree[:, c]
            seen = counts.seen[:, c]
            table.add_row(
                f"{s.statement_id}{'*' if s.best_agree else ''}",
                _text(texts, s.statement_id),
                count_share(mine[g], seen[g], vote),
                count_share(mine.sum() - mine[g], seen.sum() - seen[g], vote),
            )
        console.print(table)
    console.print(
        "[dim]Group: the group's own votes; Others: the same vote among the other clustered participants. "
        "* the statement the group agrees with most (Pol.is's best agree), shown even where the others agree "
        "more.[/]",
        highlight=False,
    )

    for vote, rows in (("agree", result.consensus.agree), ("disagree", result.consensus.disagree)):
        _statement_table(
            console,
            f"Majority {vote}s: more than half of those who voted {vote} (z-test, one-sided 90%)",
            [(c.statement_id, count_share(c.n_success, c.n_trials, vote)) for c in rows[:top]],
            texts,
            vote.capitalize(),
        )
    _group_table(
        console,
        "Highest group-informed consensus (Pol.is: product over groups of (agree+1)/(seen+2))",
        result,
        result.bridging(top),
        texts,
        result.group_informed_consensus,
        "GIC",
    )
    _group_table(
        console,
        "Divisive: the groups' agreement differs most",
        result,
        result.most_divisive(top),
        texts,
        result.divisiveness,
        "Spread",
    )


def _statement_table(
    console: Console, title: str, rows: list[tuple[Any, str]], texts: Mapping[Any, str], column: str
) -> None:
    if not rows:
        console.print(f"[dim]{title}: none significant.[/]")
        return
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("Statement", ratio=1)
    table.add_column(column, justify="right")
    for statement_id, figure in rows:
        table.add_row(str(statement_id), _text(texts, statement_id), figure)
    console.print(table)


def _group_table(
    console: Console,
    title: str,
    result: AnalysisResult,
    indices: Any,
    texts: Mapping[Any, str],
    score: Any,
    score_name: str,
) -> None:
    if len(indices) == 0:
        console.print(f"[dim]{title}: none.[/]")
        return
    counts = result.group_counts
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("Statement", ratio=1)
    table.add_column(score_name, justify="right")
    for group in result.groups:
        table.add_column(f"{group.name} agree", justify="right")
    for c in indices.tolist():
        statement_id = result.statement_ids[c].item()
        shares = [share(counts.agree[g, c], counts.seen[g, c]) for g in range(result.n_groups)]
        table.add_row(str(statement_id), _text(texts, statement_id), f"{score[c]:.2f}", *shares)
    console.print(table)


def _text(texts: Mapping[Any, str], statement_id: Any, limit: int = 160) -> str:
    text = " ".join(texts.get(statement_id, "").split())
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")
