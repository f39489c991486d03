"""The opinion map as a self-contained SVG: participants as dots in the analysis's 2-D projection, by group.

Rendered here rather than by a plotting library so the report needs nothing at run time beyond the standard
library, and the markup is ours to escape. Dots are individuals, not aggregates; a group's size is printed only
when it is at least five (services/disclosure.py). Above `max_points` participants a fixed, evenly spaced subset
is drawn, and the caption says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np
from numpy.typing import NDArray

from workingup.colours import group_colour
from workingup.services.disclosure import MIN_GROUP

WIDTH, HEIGHT, PAD = 640.0, 400.0, 24.0


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
    finite = np.isfinite(xy).all(axis=1)
    index = np.flatnonzero(finite)
    if len(index) > max_points:
        index = index[np.linspace(0, len(index) - 1, max_points).round().astype(np.int64)]
    points = xy[index]
    point_labels = labels[index]

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:.0f} {HEIGHT:.0f}" '
        f'role="img" aria-labelledby="map-title" class="opinion-map">',
        f'<title id="map-title">{escape(title)}</title>',
        f'<rect x="0" y="0" width="{WIDTH:.0f}" height="{HEIGHT:.0f}" fill="#ffffff" stroke="#cccccc"/>',
    ]
    if len(points):
        lo = np.nanmin(xy[finite], axis=0)
        hi = np.nanmax(xy[finite], axis=0)
        span = np.where(hi - lo > 0, hi - lo, 1.0)

        def place(p: NDArray[np.float64]) -> NDArray[np.float64]:
            unit = (p - lo) / span
            return np.column_stack(
                [PAD + unit[:, 0] * (WIDTH - 2 * PAD), HEIGHT - PAD - unit[:, 1] * (HEIGHT - 2 * PAD)]
            )

        zero = place(np.zeros((1, 2)))[0]
        if PAD <= zero[0] <= WIDTH - PAD:
            parts.append(
                f'<line x1="{zero[0]:.1f}" y1="{PAD}" x2="{zero[0]:.1f}" y2="{HEIGHT - PAD}" stroke="#e0e0e0"/>'
            )
        if PAD <= zero[1] <= HEIGHT - PAD:
            parts.append(
                f'<line x1="{PAD}" y1="{zero[1]:.1f}" x2="{WIDTH - PAD}" y2="{zero[1]:.1f}" stroke="#e0e0e0"/>'
            )
        screen = place(points)
        for group in sorted(set(point_labels.tolist())):
            colour = group_colour(group)
            mine = screen[point_labels == group]
            # One path of small circles per group, not one element per dot: PDF renderers draw a single path
            # with thousands of sub-paths several times faster than thousands of elements.
            dots = "".join(f"M{x - 1.5:.1f} {y - 1.5:.1f}h3v3h-3z" for x, y in mine)
            parts.append(f'<path fill="{colour}" fill-opacity="0.55" d="{dots}"/>')
        everyone = place(xy[finite])
        all_labels = labels[finite]
        for group, name in enumerate(group_names):
            members = everyone[all_labels == group]
            if not len(members):
                continue
            cx, cy = members.mean(axis=0)
            size = len(members)
            shown = f"{size:,}" if size >= MIN_GROUP else f"fewer than {MIN_GROUP}"
            label = f"Group {name} ({shown})"
            width = 8.2 * len(label) + 8
            parts.append(
                f'<rect x="{cx - width / 2:.1f}" y="{cy - 13:.1f}" width="{width:.1f}" height="18" rx="3" '
                'fill="#ffffff" fill-opacity="0.85" stroke="#333333" stroke-width="0.6"/>'
            )
            parts.append(
                f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" '
                f'font-size="13" font-weight="bold" fill="#111111">{escape(label)}</text>'
            )
    else:
        parts.append(
            f'<text x="{WIDTH / 2:.0f}" y="{HEIGHT / 2:.0f}" text-anchor="middle" '
            'font-family="DejaVu Sans, sans-serif" font-size="14">No votes to map yet</text>'
        )
    parts.append("</svg>")
    return "".join(parts), len(points)
