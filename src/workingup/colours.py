"""The colours of opinion groups, shared by every picture of them (dashboard, report), so group B is the same
colour on the screen and on paper.

Okabe–Ito: distinguishable with the common colour-vision deficiencies, and in greyscale print by lightness.
"""

from __future__ import annotations

GROUP_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8a6d00", "#000000")
UNGROUPED = "#9aa1ad"
"""People the analysis did not place in a group (too few votes yet)."""


def group_colour(label: int) -> str:
    return GROUP_COLOURS[label % len(GROUP_COLOURS)] if label >= 0 else UNGROUPED
