"""The final report's opinion map: participants as dots in the analysis's 2-D projection, by group, groups named.

The drawing is workingup/opinion_map.py's, shared with the dashboard (so the report has its label placement:
groups whose centres are close no longer print their names over each other); what is the report's own is chosen
here. One path per group (PDF renderers draw it far faster than thousands of elements), the axes through zero,
each group's name and size at its centre, and a note when nobody has voted. Dots are individuals, not
aggregates; a group's size is printed only when it is at least five (services/disclosure.py). Above `max_points`
participants a fixed, evenly spaced subset is drawn, and the caption says so. The figure's caption in the report
describes the map, so the SVG carries a title only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from workingup.opinion_map import render_opinion_map
from workingup.services.disclosure import MIN_GROUP

WIDTH, HEIGHT = 640, 400


def opinion_map_svg(
    xy: NDArray[np.float64],
    labels: NDArray[np.integer],
    group_names: Sequence[str],
    *,
    max_points: int = 4000,
    title: str = "Opinion map",
) -> tuple[str, int]:
    """The SVG markup and how many participants it draws."""
    xy = np.asarray(xy, dtype=float)
    labels = np.asarray(labels, dtype=np.int64)
    if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) != len(labels):
        raise ValueError("xy must be (n, 2) with one label per row")
    placed = labels[np.isfinite(xy).all(axis=1)]
    sizes = {group: int((placed == group).sum()) for group in range(len(group_names))}
    names = {
        group: f"Group {name} ({sizes[group]:,})"
        if sizes[group] >= MIN_GROUP
        else f"Group {name} (fewer than {MIN_GROUP})"
        for group, name in enumerate(group_names)
    }
    drawn = render_opinion_map(
        xy,
        labels,
        title=title,
        element_id="report-opinion-map",
        width=WIDTH,
        height=HEIGHT,
        dots="paths",
        max_points=max_points,
        group_labels=names,
        axes=True,
        empty_text="No votes to map yet",
    )
    return drawn.svg, drawn.drawn
