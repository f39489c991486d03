"""The server-side SVG opinion map: one dot per participant in its group's colour, statements placed, text escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from workingup.colours import GROUP_COLOURS, UNGROUPED
from workingup.web.opinion_map import MapGroup, MapStatement, opinion_map_svg

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
