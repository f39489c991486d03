"""The opinion map as an SVG drawn on the server: participants coloured by opinion group, statements placed.

Server-side SVG needs no JavaScript and no third-party chart library, prints, scales to any zoom, and carries its
own text alternative (a title and a description naming every group and its size). Colours come from the
Okabe–Ito palette, which stays distinguishable with the common colour-vision deficiencies; unclustered people
are grey and drawn first, so groups stay visible on top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
from numpy.typing import ArrayLike

from workingup.colours import UNGROUPED, group_colour


@dataclass(frozen=True)
class MapGroup:
    label: int
    name: str
    size: int

    @property
    def colour(self) -> str:
        return group_colour(self.label)


@dataclass(frozen=True)
class MapStatement:
    id: int
    x: float
    y: float
    title: str
    """Shown as the marker's tooltip; the number shown on the map is the statement id."""


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
) -> str:
    """The map as an SVG element (a string of markup, every text escaped)."""
    xy = np.asarray(participant_xy, dtype=np.float64).reshape(-1, 2)
    lab = np.asarray(labels, dtype=np.int64).reshape(-1)
    if len(xy) != len(lab):
        raise ValueError("participant_xy and labels must have one row per participant")
    points = np.vstack([xy, np.array([[s.x, s.y] for s in statements]).reshape(-1, 2)])
    finite = points[np.isfinite(points).all(axis=1)]
    pad = 24.0
    if len(finite):
        lo, hi = finite.min(axis=0), finite.max(axis=0)
    else:
        lo, hi = np.array([-1.0, -1.0]), np.array([1.0, 1.0])
    span = np.where(hi - lo > 1e-12, hi - lo, 1.0)
    scale = min((width - 2 * pad) / span[0], (height - 2 * pad) / span[1])
    offset = (np.array([width, height]) - span * scale) / 2.0

    def place(x: float, y: float) -> tuple[float, float]:
        # SVG's y grows downwards; the map's second component grows upwards.
        return (float((x - lo[0]) * scale + offset[0]), float(height - ((y - lo[1]) * scale + offset[1])))

    colour = {g.label: g.colour for g in groups}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(element_id)}" class="opinion-map" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{escape(element_id)}-title '
        f'{escape(element_id)}-desc" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{escape(element_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(element_id)}-desc">{escape(description)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff" stroke="#d8dde6"/>',
    ]
    order = np.argsort(lab >= 0, kind="stable")  # unclustered first, underneath
    for i in order:
        if not np.isfinite(xy[i]).all():
            continue
        x, y = place(*xy[i])
        fill = colour.get(int(lab[i]), UNGROUPED)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{fill}" fill-opacity="0.7" data-group="{int(lab[i])}"/>'
        )
    for s in statements:
        if not (np.isfinite(s.x) and np.isfinite(s.y)):
            continue
        x, y = place(s.x, s.y)
        parts.append(
            f'<g class="statement" data-statement-id="{s.id}"><title>{escape(s.title)}</title>'
            f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="#1d2433" transform="rotate(45 {x:.1f} {y:.1f})"/>'
            f'<text x="{x + 7:.1f}" y="{y + 4:.1f}" font-size="11" fill="#1d2433">{s.id}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
