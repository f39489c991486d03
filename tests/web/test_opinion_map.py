"""The server-side SVG opinion map: one dot per participant in its group's colour, statements placed, text escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from tests.geometry import overlapping
from workingup.colours import GROUP_COLOURS, UNGROUPED
from workingup.web.opinion_map import (
    LABEL_FONT,
    MapGroup,
    MapStatement,
    label_box,
    opinion_map_svg,
    statement_label_style,
)

SVG = "{http://www.w3.org/2000/svg}"


def test_dots_are_coloured_by_group_and_placed_within_the_frame() -> None:
    xy = np.array([[-1.0, 0.0], [1.0, 0.0], [0.0, 2.0], [np.nan, 0.0]])
    svg = opinion_map_svg(
        xy,
        [0, 1, -1, 0],
        [MapGroup(0, "A", 2), MapGroup(1, "B", 1)],
        [MapStatement(7, 0.5, 0.5, "Paid <leave>")],
        title="Opinion map",
        description="2 groups",
        width=200,
        height=100,
    )
    root = ET.fromstring(svg)
    circles = root.findall(f"{SVG}circle")
    assert len(circles) == 3  # the participant without coordinates is not drawn
    fills = [c.get("fill") for c in circles]
    assert fills[0] == UNGROUPED  # unclustered first, underneath
    assert sorted(fills[1:]) == sorted([GROUP_COLOURS[0], GROUP_COLOURS[1]])
    for c in circles:
        assert 0 <= float(c.get("cx", -1)) <= 200
        assert 0 <= float(c.get("cy", -1)) <= 100
    left = next(c for c in circles if c.get("data-group") == "0")
    right = next(c for c in circles if c.get("data-group") == "1")
    assert float(left.get("cx", 0)) < float(right.get("cx", 0))
    top = next(c for c in circles if c.get("data-group") == "-1")
    assert float(top.get("cy", 0)) < float(left.get("cy", 0))  # larger y is higher on the map
    statement = root.find(f"{SVG}g")
    assert statement is not None
    assert statement.get("data-statement-id") == "7"
    assert "Paid &lt;leave&gt;" in svg
    assert root.get("role") == "img"
    assert re.search(r'aria-labelledby="opinion-map-title opinion-map-desc"', svg)


def test_mismatched_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="one row per participant"):
        opinion_map_svg(np.zeros((3, 2)), [0, 1], [], title="t", description="d")


def _label_boxes(svg: str) -> list[tuple[float, float, float, float]]:
    root = ET.fromstring(svg)
    return [
        label_box(
            float(t.get("x", 0)),
            float(t.get("y", 0)),
            t.get("text-anchor", "start"),
            t.text or "",
            statement_label_style(float(t.get("font-size", LABEL_FONT))),
        )
        for t in root.iter(f"{SVG}text")
    ]


def test_labels_of_statements_close_together_do_not_cover_each_other() -> None:
    # Key statements a few pixels apart, as on a real dashboard: put to the right of their markers, as they were,
    # these labels covered one another.
    statements = [MapStatement(100 + i, 0.0 + 0.004 * i, 0.0 + 0.003 * (i % 2), f"s{i}") for i in range(5)]
    svg = opinion_map_svg(
        np.array([[-1.0, -1.0], [1.0, 1.0]]),
        [0, 0],
        [MapGroup(0, "A", 2)],
        statements,
        title="t",
        description="d",
    )
    boxes = _label_boxes(svg)
    assert len(boxes) == 5
    assert overlapping(boxes) == []
    for left, top, right, bottom in boxes:
        assert 0 <= left <= right <= 640
        assert 0 <= top <= bottom <= 440
    style = statement_label_style(LABEL_FONT)
    naive = [label_box(x + 7, y + 4, "start", str(100 + i), style) for i, (x, y) in enumerate(_markers(svg))]
    assert overlapping(naive)  # the arrangement does crowd labels placed the old way


def _markers(svg: str) -> list[tuple[float, float]]:
    root = ET.fromstring(svg)
    return [
        (
            float(r.get("x", 0)) + float(r.get("width", 8)) / 2,
            float(r.get("y", 0)) + float(r.get("height", 8)) / 2,
        )
        for g in root.iter(f"{SVG}g")
        for r in g.iter(f"{SVG}rect")
    ]


def test_labels_stay_inside_the_frame_at_its_edges() -> None:
    statements = [MapStatement(1234, 1.0, 1.0, "top right"), MapStatement(5678, -1.0, -1.0, "bottom left")]
    svg = opinion_map_svg(
        np.zeros((0, 2)), [], [], statements, title="t", description="d", width=200, height=100
    )
    for left, top, right, bottom in _label_boxes(svg):
        assert left >= 0
        assert right <= 200
        assert top >= 0
        assert bottom <= 100
