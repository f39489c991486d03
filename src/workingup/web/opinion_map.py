"""The dashboard's opinion map: participants coloured by opinion group, key statements placed and numbered.

The drawing is workingup/opinion_map.py's, shared with the final report; what is the dashboard's own is chosen
here: one circle per participant (the browser handles them, and each carries its group), the statements the
analysis page names, the element id its page links to, and a description naming every group and its size (the
text alternative a screen reader reads instead of the picture).
"""

from __future__ import annotations

from collections.abc import Sequence

from numpy.typing import ArrayLike

from workingup.opinion_map import (
    MapGroup,
    MapStatement,
    label_box,
    place_labels,
    render_opinion_map,
    statement_label_style,
)

__all__ = [
    "LABEL_FONT",
    "MapGroup",
    "MapStatement",
    "label_box",
    "opinion_map_svg",
    "place_labels",
    "statement_label_style",
]

LABEL_FONT = 24
"""The statement numbers' size in the map's own pixels: the map is 640 wide and a phone shows it about 358 CSS
pixels wide, so 24 stays above 13 px there (11, the shared default, was about 6)."""


def opinion_map_svg(
    participant_xy: ArrayLike,
    labels: ArrayLike,
    groups: Sequence[MapGroup],
    statements: Sequence[MapStatement] = (),
    *,
    title: str,
    description: str,
    width: int = 640,
    height: int = 440,
    element_id: str = "opinion-map",
    label_font: float = LABEL_FONT,
) -> str:
    """The map as an SVG element (a string of markup, every text escaped)."""
    return render_opinion_map(
        participant_xy,
        labels,
        title=title,
        description=description,
        element_id=element_id,
        width=width,
        height=height,
        colours={g.label: g.colour for g in groups},
        dots="circles",
        statements=statements,
        statement_font=label_font,
    ).svg
