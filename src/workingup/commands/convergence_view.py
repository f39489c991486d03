"""Printing the three-lens convergence verdict so a facilitator sees *why* a statement is or is not a candidate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from workingup.analysis.convergence_settings import VERDICTS
from workingup.analysis.figures import VERDICT_WORDS, support

if TYPE_CHECKING:
    from workingup.analysis.convergence import ConvergenceResult

_STYLE = {
    "convergence": "bold green",
    "partial": "yellow",
    "divided": "magenta",
    "rejected": "red",
    "needs_more_votes": "dim",
    "no_consensus": "",
    "excluded": "dim",
}
_ORDER = {verdict: i for i, verdict in enumerate(VERDICTS)}


def print_convergence(
    result: ConvergenceResult,
    texts: Mapping[Any, str],
    *,
    console: Console,
    top: int = 10,
    show_all: bool = False,
) -> None:
    """The verdict counts, coordinated-voting alerts, then statements with each lens's figure."""
    counts = result.counts()
    summary = ", ".join(f"{counts[v]} {VERDICT_WORDS[v]}" for v in VERDICTS if counts[v])
    lenses = result.settings.lenses
    used = ", ".join(lenses) if len(lenses) < 3 else "three lenses"
    console.print(f"[bold]Convergence verdict[/] ({used}): {summary}.", highlight=False)
    if not result.settings.detect_coordination:
        console.print("[yellow]Coordinated-voting detection is off: every participant counts fully.[/]")

    for bloc in result.coordination.blocs:
        spread = (
            f", first votes within {bloc.arrival_spread_s / 60:.0f} min"
            if bloc.arrival_spread_s is not None
            else ""
        )
        if bloc.method == "script" and bloc.fidelity is not None:
            how = (
                f"follow one script: {bloc.fidelity:.0%} of their votes on its ~{bloc.script_votes} statements "
                f"are the script's vote, {len(bloc.unanimous)} statements pushed as one{spread}"
            )
        else:
            how = (
                f"voted identically on the {bloc.mean_shared:.0f} statements a pair shares on average "
                f"({bloc.agreement:.0%} of pairs examined identical{spread})"
            )
        console.print(
            f"[bold red]Coordinated voting:[/] {bloc.size} participants {how}; counted as one voice in every lens.",
            highlight=False,
        )
    for name in result.unjudged_groups:
        console.print(
            f"[red]Opinion group {name}[/] is mostly a coordinated bloc: left out of the group lens.",
            highlight=False,
        )

    table = Table(title="Statements by verdict", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("Statement", ratio=1)
    table.add_column("Verdict")
    use_groups, use_bridging = "groups" in lenses, "bridging" in lenses
    if use_groups:
        table.add_column("Groups: lowest", justify="right")
    if use_bridging:
        table.add_column("Bridging: sides", justify="right")
    has_blocs = result.blocs is not None
    if has_blocs:
        table.add_column("Blocs: lowest", justify="right")
    order = sorted(
        range(len(result.verdict)),
        key=lambda i: (_ORDER[str(result.verdict[i])], -_score(result, i)),
    )
    shown = 0
    limits: dict[str, int] = {}
    for i in order:
        verdict = str(result.verdict[i])
        if verdict == "excluded":
            continue
        limits[verdict] = limits.get(verdict, 0) + 1
        if not show_all and limits[verdict] > top:
            continue
        statement_id = result.statement_ids[i].item()
        row = [
            str(statement_id),
            _text(texts, statement_id),
            f"[{_STYLE[verdict]}]{VERDICT_WORDS[verdict]}[/]" if _STYLE[verdict] else VERDICT_WORDS[verdict],
        ]
        if use_groups:
            row.append(
                _lens(result.group_lens[i], _lowest(result.groups.lower[:, i], result.groups.bloc_names))
            )
        if use_bridging:
            row.append(
                _lens(
                    result.bridging_lens[i],
                    _pair(result.bridging.support_low[i], result.bridging.support_high[i]),
                )
            )
        if has_blocs and result.blocs is not None:
            row.append(_lens(result.bloc_lens[i], _lowest(result.blocs.lower[:, i], result.blocs.bloc_names)))
        table.add_row(*row)
        shown += 1
    if shown:
        console.print(table)
    from workingup.analysis.bridging import BridgingModel  # the engine is loaded by now: the verdict ran

    settings = result.settings
    bridging = BridgingModel().get_params()  # the verdict fits the model with its defaults
    console.print(
        f"[dim]Groups/blocs: lowest {settings.level:.0%} lower bound of agreement (✓ when ≥ "
        f"{settings.support_bar:.0%}). Bridging: predicted support at either end of the main divide, 0 = disagree, "
        f"0.5 = pass, 1 = agree (✓ when both ≥ {bridging['min_side_support']}); the model is linear and can predict past the scale, shown "
        "as ≥ 1.00 or ≤ 0.00. Unsupported: fewer than half agree in every group, or predicted support ≤ "
        f"{bridging['rejected_support']} on both sides. Excluded (moderated out or meta) statements are not listed.[/]",
        highlight=False,
    )


def _score(result: ConvergenceResult, i: int) -> float:
    low, high = result.bridging.support_low[i], result.bridging.support_high[i]
    value = min(low, high)
    return float(value) if np.isfinite(value) else -1.0


def _lowest(lower: Any, names: tuple[str, ...]) -> str:
    if len(lower) == 0:
        return "–"
    j = int(np.argmin(lower))
    return f"{lower[j]:.0%} ({names[j]})"


def _pair(low: float, high: float) -> str:
    if not (np.isfinite(low) and np.isfinite(high)):
        return "–"
    return f"{support(float(low))} / {support(float(high))}"


def _lens(passed: Any, figure: str) -> str:
    return f"{'✓' if passed else '✗'} {figure}"


def _text(texts: Mapping[Any, str], statement_id: Any, limit: int = 120) -> str:
    text = " ".join(texts.get(statement_id, "").split())
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")
