"""The words and knobs of the convergence verdict (analysis/convergence.py), apart from its machinery.

Apart so the command line can build its options (the lenses, the verdict names, the defaults) without importing
SciPy and scikit-learn, which the verdict itself needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["LENSES", "VERDICTS", "ConvergenceSettings"]

VERDICTS = ("convergence", "partial", "no_consensus", "divided", "rejected", "needs_more_votes", "excluded")
LENSES = ("groups", "bridging", "blocs")
"""The lenses a verdict can be drawn from; the default uses every one available."""


@dataclass(frozen=True)
class ConvergenceSettings:
    level: float = 0.9
    support_bar: float = 0.5
    min_votes: int = 10
    min_group_votes: int = 3
    n_boot: int = 200
    collapse_coordinated: bool = True
    random_state: int = 0
    lenses: tuple[str, ...] = LENSES
    """Which lenses the verdict is drawn from (a skipped lens is not computed: its figures are empty)."""
    detect_coordination: bool = True
    """Off: no coordinated-voting detection at all (every participant counts fully), for comparison."""

    def __post_init__(self) -> None:
        unknown = set(self.lenses) - set(LENSES)
        if unknown or not self.lenses:
            raise ValueError(
                f"lenses must be one or more of {', '.join(LENSES)}; got {', '.join(self.lenses)}"
            )

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["lenses"] = list(self.lenses)
        return out
