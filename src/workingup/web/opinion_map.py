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
    shown = [(s, *place(s.x, s.y)) for s in statements if np.isfinite(s.x) and np.isfinite(s.y)]
    spots = place_labels([(x, y, str(s.id)) for s, x, y in shown], width, height)
    for (s, x, y), (tx, ty, anchor) in zip(shown, spots, strict=True):
        parts.append(
            f'<g class="statement" data-statement-id="{s.id}"><title>{escape(s.title)}</title>'
            f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="#1d2433" transform="rotate(45 {x:.1f} {y:.1f})"/>'
            f'<text x="{tx:.1f}" y="{ty:.1f}" font-size="{FONT}" text-anchor="{anchor}" fill="#1d2433">{s.id}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


FONT = 11
CHAR = 0.62 * FONT
"""Width of a digit at FONT px in the sans-serif fonts browsers pick (an estimate is enough to keep labels apart)."""

# Where a marker's label may go, in order of preference: right, left, above, below, the four diagonals, then the
# same a label's height further out (for clusters). (dx, dy) is the text's anchor from the marker's centre, dy
# to the text's baseline.
_NEAR = (
    (7.0, 4.0, "start"),
    (-7.0, 4.0, "end"),
    (0.0, -7.0, "middle"),
    (0.0, 15.0, "middle"),
    (6.0, -5.0, "start"),
    (-6.0, -5.0, "end"),
    (6.0, 14.0, "start"),
    (-6.0, 14.0, "end"),
)
_SPOTS = _NEAR + tuple(
    (
        dx + (11.0 if dx > 0 else -11.0 if dx < 0 else 0.0),
        dy + (-11.0 if dy < 0 else 11.0 if dy > 8 else 0.0),
        a,
    )
    for dx, dy, a in _NEAR
)
MARKER_WEIGHT = 0.2
"""A label over another statement's marker is less bad than over another label (the marker stays findable)."""


def label_box(x: float, y: float, anchor: str, text: str) -> tuple[float, float, float, float]:
    """The box (left, top, right, bottom) a label of FONT px takes, its baseline at y."""
    width = CHAR * len(text)
    left = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
    return (left, y - 0.8 * FONT, left + width, y + 0.2 * FONT)


def place_labels(
    markers: Sequence[tuple[float, float, str]], width: float, height: float
) -> list[tuple[float, float, str]]:
    """A spot (x, y, text-anchor) for each marker's label, so that labels do not cover each other or the markers.

    Why: key statements often sit close together on the map, and labels all set to the right of their markers
    piled up into unreadable numbers. Greedy: each label takes the first of _SPOTS that stays inside the frame
    and overlaps no label placed so far and no marker, or, when every spot is taken, the one overlapping least."""
    marks = [(x - 5, y - 5, x + 5, y + 5) for x, y, _ in markers]
    taken: list[tuple[float, float, float, float]] = []
    placed: list[tuple[float, float, str]] = []
    for x, y, text in markers:
        best: tuple[float, tuple[float, float, str], tuple[float, float, float, float]] | None = None
        for dx, dy, anchor in _SPOTS:
            box = label_box(x + dx, y + dy, anchor, text)
            if box[0] < 0 or box[1] < 0 or box[2] > width or box[3] > height:
                continue
            cost = sum(_overlap(box, other) for other in taken) + MARKER_WEIGHT * sum(
                _overlap(box, mark) for mark in marks
            )
            if best is None or cost < best[0]:
                best = (cost, (x + dx, y + dy, anchor), box)
            if cost == 0:
                break
        if best is None:  # no spot inside the frame (a tiny map): the default one
            dx, dy, anchor = _SPOTS[0]
            best = (0.0, (x + dx, y + dy, anchor), label_box(x + dx, y + dy, anchor, text))
        placed.append(best[1])
        taken.append(best[2])
    return placed


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
