"""The opinion map SVG: well-formed, escaped, subsampled when large, no size printed for a group under five."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from tests.geometry import overlapping
from workingup.opinion_map import GROUP_LABEL, label_box
from workingup.report.opinion_map import opinion_map_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_groups_are_labelled_and_the_markup_is_well_formed() -> None:
    rng = np.random.default_rng(0)
    xy = np.vstack([rng.normal(-2, 0.3, (40, 2)), rng.normal(2, 0.3, (3, 2)), [[np.nan, np.nan]]])
    labels = np.r_[np.zeros(40, int), np.ones(3, int), -1]
    svg, drawn = opinion_map_svg(xy, labels, ["A", "B"], title="Map of <b>'x'</b> & y")
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["Group A (40)", "Group B (fewer than 5)"]
    assert root.find(f"{SVG}title").text == "Map of <b>'x'</b> & y"  # escaped in, read back as text
    assert drawn == 43  # the participant without a position is not drawn
    assert len(root.findall(f"{SVG}path")) == 2


def test_large_maps_are_subsampled_evenly() -> None:
    xy = np.random.default_rng(1).normal(size=(10_000, 2))
    svg, drawn = opinion_map_svg(xy, np.zeros(10_000, int), ["A"], max_points=500)
    assert drawn == 500
    assert "Group A (10,000)" in svg  # the label counts everyone, not the drawn subset


def test_an_empty_map_says_so() -> None:
    svg, drawn = opinion_map_svg(np.empty((0, 2)), np.empty(0, int), [])
    assert drawn == 0
    assert "No votes to map yet" in svg
    ET.fromstring(svg)


def test_shapes_must_match() -> None:
    with pytest.raises(ValueError, match="one label per row"):
        opinion_map_svg(np.zeros((3, 2)), np.zeros(2, int), ["A"])


def _boxes(svg: str) -> list[tuple[float, float, float, float]]:
    """The group labels' backing boxes (the frame is the rect without rounded corners)."""
    return [
        (x, y, x + float(r.get("width", 0)), y + float(r.get("height", 0)))
        for r in ET.fromstring(svg).iter(f"{SVG}rect")
        if r.get("rx") is not None
        for x, y in [(float(r.get("x", 0)), float(r.get("y", 0)))]
    ]


def test_names_of_groups_close_together_do_not_cover_each_other() -> None:
    # Three groups whose centres nearly coincide and one far away: centred on their centres, as the report used
    # to print them, the three names covered one another; the dashboard's label placement keeps them apart.
    rng = np.random.default_rng(2)
    xy = np.vstack([rng.normal(0.01 * g, 0.2, (30, 2)) for g in range(3)] + [rng.normal(6, 0.2, (30, 2))])
    labels = np.repeat(np.arange(4), 30)
    svg, drawn = opinion_map_svg(xy, labels, ["A", "B", "C", "D"])
    assert drawn == 120
    boxes = _boxes(svg)
    assert len(boxes) == 4
    assert overlapping(boxes) == []
    for left, top, right, bottom in boxes:
        assert 0 <= left <= right <= 640
        assert 0 <= top <= bottom <= 400
    root = ET.fromstring(svg)
    centres = []
    for path in root.iter(f"{SVG}path"):
        corners = np.array(re.findall(r"M([-\d.]+) ([-\d.]+)", path.get("d", "")), dtype=float)
        centres.append(corners.mean(axis=0) + 1.5)
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    naive = [
        label_box(cx, cy, "middle", text, GROUP_LABEL) for (cx, cy), text in zip(centres, texts, strict=True)
    ]
    assert overlapping(naive)  # the arrangement does crowd names placed the old way
