"""The opinion map SVG: well-formed, escaped, subsampled when large, no size printed for a group under five."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

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
