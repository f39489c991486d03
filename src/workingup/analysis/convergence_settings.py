"""The words and knobs of the convergence verdict (analysis/convergence.py), apart from its machinery.

Apart so the command line can build its options (the lenses, the verdict names, the defaults) without importing
SciPy and scikit-learn, which the verdict itself needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["LENSES", "PASS_MODES", "VERDICTS", "ConvergenceSettings"]

VERDICTS = ("convergence", "partial", "no_consensus", "divided", "rejected", "needs_more_votes", "excluded")
LENSES = ("groups", "bridging", "blocs")
"""The lenses a verdict can be drawn from; the default uses every one available."""
PASS_MODES = ("drop", "half", "disagree")
"""How a pass enters the per-side counts of the calibrated call (analysis/verdict.py)."""


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
    side_threshold: float = 0.65
    """Agreement (share of agree among agree/disagree) each side must reach for a statement to bridge."""
    max_false_share: float = 0.005
    """The calibrated call: expected share of wrong "convergence" calls allowed among those made."""
    pass_mode: str = "drop"
    """How passes enter the per-side counts (PASS_MODES); chosen by the benchmark."""

    def __post_init__(self) -> None:
        if self.pass_mode not in PASS_MODES:
            raise ValueError(f"pass_mode must be one of {', '.join(PASS_MODES)}; got {self.pass_mode}")
        if not 0.0 <= self.max_false_share < 1.0:
            raise ValueError("max_false_share must be at least 0 and below 1")
        unknown = set(self.lenses) - set(LENSES)
        if unknown or not self.lenses:
            raise ValueError(
                f"lenses must be one or more of {', '.join(LENSES)}; got {', '.join(self.lenses)}"
            )

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["lenses"] = list(self.lenses)
        return out
