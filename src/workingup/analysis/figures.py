"""How the analysis's figures are written for people: one rule for the CLI, the dashboard and the report.

The rules (docs/analyze-json.md, "Figures as printed"):

- **A percentage printed beside a count is the raw share** of that count: "21/23 agree (91%)" is 21 ÷ 23. Pol.is's
  smoothed probabilities ((n+1)/(N+2), in the JSON as `p_success`, `pa`…) rank and test statements; printed
  beside a count they read as wrong arithmetic ("1/1 disagree (67%)"), so they are never printed that way.
  Figures that are smoothed by definition (group-informed consensus, the verdict's Beta intervals) are printed
  as scores or intervals under their own names, never as a share of a count.
- **Predicted support is shown on its 0…1 rating scale.** The bridging model is linear, so its prediction for
  either side of the divide can overshoot the scale (1.07, −0.08); a rating cannot. The JSON keeps the model's
  value; every printed figure is clipped to 0…1 and marked "≥ 1.00" or "≤ 0.00" when it was clipped, so the
  reader knows the model went past the end of the scale.
- **The direction shown for a representative statement is the vote the group's count is of.** Pol.is labels a
  statement "disagree" when its disagree test beats its agree test, and does so for the statement it picked as
  the group's *best agree* too: a group where 21 of 23 agreed, but the others agreed even more, was printed
  "0/23 disagree". The best agree is always shown as an agree, with the group's agree count.
- **One meaning per word.** A statement a moderator removed is *moderated out* (Pol.is calls it "rejected"; the
  JSON keeps Pol.is's key `rejected` for it). The verdict Pol.is has no name for — fewer than half agree in every
  opinion group, or the bridging model predicts little support on both sides — is *unsupported* (its JSON code
  stays "rejected"; a 381 agree / 367 disagree split is not "rejected by all"). *Excluded* is only the verdict of
  a statement left out of the verdict (moderated out or meta). *Consensus* is only agreement across the table
  (group-informed consensus, the verdict "no consensus"); Pol.is's "majority consensus" — more than half of those
  who voted, significantly — is printed as a *majority*.
"""

from __future__ import annotations

import math
from typing import Literal

__all__ = [
    "BRIDGING_WORDS",
    "VERDICT_WORDS",
    "clip_support",
    "count_share",
    "share",
    "shown_direction",
    "support",
]

VERDICT_WORDS = {
    "convergence": "convergence",
    "partial": "partial",
    "no_consensus": "no consensus",
    "divided": "divided",
    "rejected": "unsupported",
    "needs_more_votes": "needs more votes",
    "excluded": "excluded",
}
"""How each verdict code of `analysis.convergence.VERDICTS` is printed (the dashboard's `verdict.*` strings say
the same; tests/web checks it)."""


def verdict_word(code: object) -> str:
    """A verdict code as printed, also for codes stored by an older run (unknown codes lose their underscores)."""
    return VERDICT_WORDS.get(str(code), str(code).replace("_", " ")) if code else "unknown"


BRIDGING_WORDS = {
    "bridging": "bridging",
    "divisive": "divisive",
    "rejected": "unsupported on both sides",
    "no_consensus": "no consensus",
    "needs_more_votes": "needs more votes",
    "excluded": "excluded",
}
"""How each status of `analysis.bridging.STATUSES` is printed."""


def share(n: float, total: float) -> str:
    """The raw share n/total as a whole percentage ("–" when nobody voted).

    Examples
    --------
    >>> share(1, 1), share(21, 23), share(0, 0)
    ('100%', '91%', '–')
    """
    if not total:
        return "–"
    return f"{n / total:.0%}"


def count_share(n: float, total: float, vote: str) -> str:
    """ "21/23 agree (91%)": the count, the vote it counts, and its raw share.

    Examples
    --------
    >>> count_share(64, 64, "agree")
    '64/64 agree (100%)'
    """
    return f"{_number(n)}/{_number(total)} {vote} ({share(n, total)})"


def clip_support(value: float) -> float:
    """A predicted support brought back onto the 0…1 rating scale (NaN stays NaN)."""
    return value if math.isnan(value) else min(1.0, max(0.0, value))


def support(value: float | None, *, percent: bool = False) -> str:
    """Predicted support as printed: clipped to 0…1, "≥"/"≤" when clipped, "–" when not fitted.

    Examples
    --------
    >>> support(1.07), support(-0.08), support(0.5), support(None), support(0.66, percent=True)
    ('≥ 1.00', '≤ 0.00', '0.50', '–', '66%')
    >>> support(1.2, percent=True)
    '≥ 100%'
    """
    if value is None or not math.isfinite(value):
        return "–"
    shown = clip_support(value)
    figure = f"{shown:.0%}" if percent else f"{shown:.2f}"
    if value > 1.0:
        return f"≥ {figure}"
    if value < 0.0:
        return f"≤ {figure}"
    return figure


def shown_direction(repful_for: str, best_agree: bool) -> Literal["agree", "disagree"]:
    """The vote a representative statement is shown with: agree for the group's best agree, else Pol.is's.

    Examples
    --------
    >>> shown_direction("disagree", True), shown_direction("disagree", False)
    ('agree', 'disagree')
    """
    return "agree" if best_agree or repful_for == "agree" else "disagree"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
