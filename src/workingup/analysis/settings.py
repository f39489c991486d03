"""Every knob of the analysis in one table of (name, default, help); the defaults are Pol.is's.

One table, so the CLI, the docs and a test can all be checked against it: a setting that is not documented here
does not exist.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

__all__ = [
    "MAX_GROUPS",
    "MIN_GROUP_SIZE",
    "SETTINGS_HELP",
    "SILHOUETTE_TIE",
    "STEPS",
    "Z_90",
    "AnalysisSettings",
]

# The constants the command line needs for its options live here, in a module that imports neither SciPy nor
# scikit-learn, so `workingup --help` starts fast; clustering, repness and pipeline import them from here.
MAX_GROUPS = 8
"""The most groups we offer (Pol.is stops at 5; users asked for more, compdemocracy/polis#1289)."""
Z_90 = 1.2816
"""Pol.is's significance threshold (z-sig-90?): one-sided, 90 %."""
STEPS = ("projection", "groups", "statistics")
"""The named steps reported to `progress`, in order."""
MIN_GROUP_SIZE = 5
"""The smallest opinion group we report: below it, a group's figures would disclose its members' votes."""
SILHOUETTE_TIE = 0.01
"""Silhouettes closer than this are a tie, which the smaller number of groups wins (analysis/clustering.py)."""


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class AnalysisSettings:
    """How to analyse a dialogue. Immutable; `replace()` it to change a value."""

    max_groups: int = _setting(5, f"Largest number of opinion groups tried, 2 to {MAX_GROUPS} (Pol.is: 5).")
    pass_weight: float = _setting(
        1.0,
        "How much a pass counts as a trial in the consensus measures: 1 as Pol.is (as much as a disagree), "
        "0 leaves passes out.",
    )
    min_votes: int = _setting(7, "Votes a participant needs to be clustered (Pol.is: min(7, statements)).")
    greedy_n: int = _setting(
        15, "While fewer participants qualify, the most active voters are added up to this."
    )
    min_group_size: int = _setting(
        MIN_GROUP_SIZE,
        "Smallest opinion group: a partition with a smaller group is not offered (our disclosure rule).",
    )
    pick_max: int = _setting(5, "Representative statements per group, and consensus statements per side.")
    z_threshold: float = _setting(
        Z_90, "Significance threshold of the z-tests (Pol.is: 1.2816, one-sided 90 %)."
    )
    random_state: int = _setting(
        0,
        "Seed of the sampling-based parts (the bridging fit, the coordination screen's hashing); the opinion "
        "groups never depend on it.",
    )
    n_init: int = _setting(
        10, "k-means++ starts per number of groups, besides Pol.is's own start; the lowest inertia wins."
    )

    def __post_init__(self) -> None:
        if not 2 <= self.max_groups <= MAX_GROUPS:
            raise ValueError(f"max_groups must be from 2 to {MAX_GROUPS}, got {self.max_groups}")
        if not 0.0 <= self.pass_weight <= 1.0:
            raise ValueError(f"pass_weight must be between 0 and 1, got {self.pass_weight}")
        for name in ("min_votes", "min_group_size", "pick_max", "n_init"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.greedy_n < 0:
            raise ValueError(f"greedy_n must not be negative, got {self.greedy_n}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


SETTINGS_HELP: tuple[tuple[str, Any, str], ...] = tuple(
    (f.name, f.default, f.metadata["help"]) for f in fields(AnalysisSettings)
)
"""(name, default, help) of every setting, in declaration order."""
