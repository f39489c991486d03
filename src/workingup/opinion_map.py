"""The one opinion-map SVG renderer, drawn on the server for the dashboard (web/) and the final report (report/).

Why one: the dashboard and the report used to draw the same picture with two pieces of code, so a fix in one
(labels that kept clear of each other) never reached the other. Each caller's differences are parameters: the
size, what is drawn (dots as one element each or one path per group, statements, group names, axes, a note for
an empty map, a subset of a large crowd) and its accessibility text (title, description, the element's id).

Server-side SVG needs no JavaScript and no third-party chart library, prints, scales to any zoom, and its markup
is ours to escape (every text goes through html.escape). Colours come from colours.py, so group B is the same
colour on the screen and on paper; unclustered people are grey and drawn first, so groups stay visible on top.
Positions keep the projection's aspect ratio: distances on the map mean the same across and up.

This module sits beside colours.py below every layer that draws (docs/architecture.md §2): it imports nothing
from the project but the colours, so web/ and report/ may both use it without depending on each other. Policy
such as the disclosure floor on printed group sizes stays with the caller, which writes the group labels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from workingup.colours import UNGROUPED, group_colour

Box = tuple[float, float, float, float]
"""(left, top, right, bottom) in the SVG's pixels."""

PAD = 24.0
INK = "#1d2433"


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
    """Shown as the marker's tooltip (a pointer's extra; the page's list is what every reader gets)."""
    label: str = ""
    """What the map prints beside the marker: by default the statement id; the dashboard prints the statement's
    number in the list beside the map (1, 2, 3…), short enough to stay large and apart."""

    @property
    def shown(self) -> str:
        return self.label or str(self.id)


@dataclass(frozen=True)
class LabelStyle:
    """How a kind of label is sized and where it may go, so one placement serves statement ids and group names.

    spots are (dx, dy, text-anchor) from the thing labelled, dy to the text's baseline, in order of preference;
    pad is the margin of the label's backing box (0 for bare text); marker is the half-size of the thing labelled,
    which other labels should keep off (0 when it is not drawn, as a group's centre)."""

    font: float
    char: float
    """Width of one character at this size in the sans-serif fonts browsers and PDF renderers pick (an
    estimate is enough to keep labels apart)."""
    spots: tuple[tuple[float, float, str], ...]
    pad: float = 0.0
    marker: float = 5.0


FONT = 11
CHAR = 0.62 * FONT
"""Width of a digit at FONT px (statement labels are ids, so digits)."""

# Where a statement's label may go, in order of preference: right, left, above, below, the four diagonals, then
# the same a label's height further out (for clusters).
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
STATEMENT_LABEL = LabelStyle(
    font=FONT,
    char=CHAR,
    spots=_NEAR
    + tuple(
        (
            dx + (11.0 if dx > 0 else -11.0 if dx < 0 else 0.0),
            dy + (-11.0 if dy < 0 else 11.0 if dy > 8 else 0.0),
            a,
        )
        for dx, dy, a in _NEAR
    ),
)


def statement_label_style(font: float = FONT) -> LabelStyle:
    """The statement labels' style at `font` px: the default spots scaled to the size, plus a ring further out,
    so that larger labels (readable when a phone shrinks the map) still find a free spot in a cluster."""
    k = font / FONT
    near = tuple((dx * k, dy * k, a) for dx, dy, a in STATEMENT_LABEL.spots)
    far = tuple((dx * 2, dy * 2 if dy else 0.0, a) for dx, dy, a in near[8:])
    return LabelStyle(font=font, char=0.62 * font, spots=near + far, pad=0.0, marker=5.0 * k)


GROUP_LABEL = LabelStyle(
    font=13,
    char=8.2,
    # On the group's centre first (where the report always put it), then above and below it, then further out:
    # groups whose centres are close would otherwise print their names over each other.
    spots=tuple((0.0, dy, "middle") for dy in (0.0, -20.0, 20.0, -40.0, 40.0, -60.0, 60.0)),
    pad=4.0,
    marker=0.0,
)
MARKER_WEIGHT = 0.2
"""A label over another statement's marker is less bad than over another label (the marker stays findable)."""


def label_box(x: float, y: float, anchor: str, text: str, style: LabelStyle = STATEMENT_LABEL) -> Box:
    """The box a label takes, its baseline at y, with its backing box's margin."""
    width = style.char * len(text)
    left = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
    return (
        left - style.pad,
        y - 0.8 * style.font - style.pad,
        left + width + style.pad,
        y + 0.2 * style.font + style.pad,
    )


def place_labels(
    markers: Sequence[tuple[float, float, str]],
    width: float,
    height: float,
    style: LabelStyle = STATEMENT_LABEL,
) -> list[tuple[float, float, str]]:
    """A spot (x, y, text-anchor) for each marker's label, so that labels do not cover each other or the markers.

    Why: key statements (and groups' centres) often sit close together on the map, and labels all set in one
    place piled up into unreadable text. Greedy: each label takes the first of the style's spots that stays inside
    the frame and overlaps no label placed so far and no marker, or, when every spot is taken, the one
    overlapping least."""
    r = style.marker
    marks = [(x - r, y - r, x + r, y + r) for x, y, _ in markers]
    taken: list[Box] = []
    placed: list[tuple[float, float, str]] = []
    for x, y, text in markers:
        best: tuple[float, tuple[float, float, str], Box] | None = None
        for dx, dy, anchor in style.spots:
            box = label_box(x + dx, y + dy, anchor, text, style)
            if box[0] < 0 or box[1] < 0 or box[2] > width or box[3] > height:
                continue
            cost = sum(_overlap(box, other) for other in taken) + MARKER_WEIGHT * sum(
                _overlap(box, mark) for mark in marks
            )
            if best is None or cost < best[0]:
                best = (cost, (x + dx, y + dy, anchor), box)
            if cost == 0:
                break
        if best is None:  # no spot inside the frame (a tiny map): the first one
            dx, dy, anchor = style.spots[0]
            best = (0.0, (x + dx, y + dy, anchor), label_box(x + dx, y + dy, anchor, text, style))
        placed.append(best[1])
        taken.append(best[2])
    return placed


def _overlap(a: Box, b: Box) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


@dataclass(frozen=True)
class RenderedMap:
    svg: str
    """The SVG element (a string of markup, every text escaped)."""
    drawn: int
    """How many participants it draws (fewer than given when some have no position or a subset is drawn)."""


def render_opinion_map(
    participant_xy: ArrayLike,
    labels: ArrayLike,
    *,
    title: str,
    description: str | None = None,
    element_id: str = "opinion-map",
    width: int = 640,
    height: int = 440,
    colours: Mapping[int, str] | None = None,
    dots: Literal["circles", "paths"] = "circles",
    max_points: int | None = None,
    statements: Sequence[MapStatement] = (),
    group_labels: Mapping[int, str] | None = None,
    axes: bool = False,
    empty_text: str | None = None,
    statement_font: float = FONT,
) -> RenderedMap:
    """Draw the map; the parameters are each caller's choices, the picture's geometry is shared.

    colours: a group label's colour (default: colours.group_colour; a label missing from a given mapping is grey).
    dots: "circles", one element per participant carrying its group (the dashboard, where a browser handles
    them), or "paths", one path per group (the report: PDF renderers draw one path of thousands of sub-paths
    several times faster than thousands of elements). max_points: above it an evenly spaced subset is drawn
    (the frame still fits everyone). group_labels: a text per group label, placed at the centre of the group's
    members with the same label placement as statements. empty_text: said when no participant has a position.
    statement_font: the statement labels' size in the SVG's pixels (a page that shrinks the map to a phone's width
    asks for larger ones); each label has a white halo so it stays legible over the dots.
    """
    xy = np.asarray(participant_xy, dtype=np.float64).reshape(-1, 2)
    lab = np.asarray(labels, dtype=np.int64).reshape(-1)
    if len(xy) != len(lab):
        raise ValueError("participant_xy and labels must have one row per participant")
    placed_statements = [s for s in statements if np.isfinite(s.x) and np.isfinite(s.y)]
    finite = np.isfinite(xy).all(axis=1)
    place = _frame(
        np.vstack([xy[finite], np.array([[s.x, s.y] for s in placed_statements]).reshape(-1, 2)]),
        width,
        height,
    )
    colour_of = group_colour if colours is None else (lambda label: colours.get(label, UNGROUPED))

    ident = escape(element_id)
    labelled_by = f"{ident}-title" + (f" {ident}-desc" if description is not None else "")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{ident}" class="opinion-map" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{labelled_by}" '
        'preserveAspectRatio="xMidYMid meet">',
        f'<title id="{ident}-title">{escape(title)}</title>',
    ]
    if description is not None:
        parts.append(f'<desc id="{ident}-desc">{escape(description)}</desc>')
    parts.append(f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff" stroke="#d8dde6"/>')

    index = np.flatnonzero(finite)
    if max_points is not None and len(index) > max_points:
        index = index[np.linspace(0, len(index) - 1, max_points).round().astype(np.int64)]
    if axes and len(index):
        zx, zy = place(np.zeros((1, 2)))[0]
        if PAD <= zx <= width - PAD:
            parts.append(
                f'<line x1="{zx:.1f}" y1="{PAD}" x2="{zx:.1f}" y2="{height - PAD}" stroke="#e0e0e0"/>'
            )
        if PAD <= zy <= height - PAD:
            parts.append(
                f'<line x1="{PAD}" y1="{zy:.1f}" x2="{width - PAD}" y2="{zy:.1f}" stroke="#e0e0e0"/>'
            )
    index = index[np.argsort(lab[index] >= 0, kind="stable")]  # unclustered first, underneath
    screen = place(xy[index])
    if dots == "circles":
        for (x, y), g in zip(screen, lab[index].tolist(), strict=True):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour_of(g)}" fill-opacity="0.7" data-group="{g}"/>'
            )
    else:
        for g in sorted(set(lab[index].tolist())):
            mine = screen[lab[index] == g]
            squares = "".join(f"M{x - 1.5:.1f} {y - 1.5:.1f}h3v3h-3z" for x, y in mine)
            parts.append(f'<path fill="{colour_of(g)}" fill-opacity="0.55" d="{squares}"/>')
    if not len(index) and empty_text is not None:
        parts.append(
            f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" '
            f'font-family="DejaVu Sans, sans-serif" font-size="14">{escape(empty_text)}</text>'
        )

    if group_labels:
        everyone, everyone_labels = place(xy[finite]), lab[finite]
        centres = [
            (*everyone[everyone_labels == g].mean(axis=0), text)
            for g, text in group_labels.items()
            if (everyone_labels == g).any()
        ]
        for (_, _, text), (tx, ty, anchor) in zip(
            centres, place_labels(centres, width, height, GROUP_LABEL), strict=True
        ):
            left, top, right, bottom = label_box(tx, ty, anchor, text, GROUP_LABEL)
            parts.append(
                f'<rect x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" height="{bottom - top:.1f}" rx="3" '
                'fill="#ffffff" fill-opacity="0.85" stroke="#333333" stroke-width="0.6"/>'
                f'<text x="{tx:.1f}" y="{ty:.1f}" text-anchor="{anchor}" font-family="DejaVu Sans, sans-serif" '
                f'font-size="{GROUP_LABEL.font:g}" font-weight="bold" fill="#111111">{escape(text)}</text>'
            )

    if placed_statements:
        spots = place(np.array([[s.x, s.y] for s in placed_statements]))
        marks = [(float(x), float(y), s.shown) for s, (x, y) in zip(placed_statements, spots, strict=True)]
        style = statement_label_style(statement_font)
        k = statement_font / FONT
        for s, (x, y, _), (tx, ty, anchor) in zip(
            placed_statements, marks, place_labels(marks, width, height, style), strict=True
        ):
            parts.append(
                f'<g class="statement" data-statement-id="{s.id}"><title>{escape(s.title)}</title>'
                # An invisible disc around the marker: a finger-sized target where a page makes markers tappable.
                f'<circle class="hit" cx="{x:.1f}" cy="{y:.1f}" r="{12 * k:g}" fill="#ffffff" fill-opacity="0"/>'
                f'<rect x="{x - 4 * k:.1f}" y="{y - 4 * k:.1f}" width="{8 * k:g}" height="{8 * k:g}" fill="{INK}" '
                f'transform="rotate(45 {x:.1f} {y:.1f})"/>'
                f'<text x="{tx:.1f}" y="{ty:.1f}" font-size="{statement_font:g}" font-weight="bold" '
                f'text-anchor="{anchor}" fill="{INK}" stroke="#ffffff" stroke-width="{3 * k:g}" '
                f'paint-order="stroke">{escape(s.shown)}</text>'
                "</g>"
            )
    parts.append("</svg>")
    return RenderedMap("".join(parts), len(index))


def _frame(
    points: NDArray[np.float64], width: int, height: int
) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    """Map positions (n, 2) to the SVG's pixels, fitting every given point inside the padding.

    One scale for both axes, centred: the projection's distances mean the same across and up. SVG's y grows
    downwards; the map's second component grows upwards."""
    if len(points):
        lo, hi = points.min(axis=0), points.max(axis=0)
    else:
        lo, hi = np.array([-1.0, -1.0]), np.array([1.0, 1.0])
    span = np.where(hi - lo > 1e-12, hi - lo, 1.0)
    scale = min((width - 2 * PAD) / span[0], (height - 2 * PAD) / span[1])
    offset = (np.array([width, height]) - span * scale) / 2.0

    def place(p: NDArray[np.float64]) -> NDArray[np.float64]:
        fitted = (np.asarray(p, dtype=np.float64).reshape(-1, 2) - lo) * scale + offset
        return np.column_stack([fitted[:, 0], height - fitted[:, 1]])

    return place
