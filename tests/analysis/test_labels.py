"""Matching groups across updates by shared members."""

from __future__ import annotations

import numpy as np

from workingup.analysis import match_labels


def test_matched_groups_inherit_labels_and_new_ones_take_free_labels() -> None:
    old_ids = np.array([1, 2, 3, 4, 5, 6])
    old = np.array([0, 0, 1, 1, 2, 2])
    new_ids = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9])
    # New group 0 = old group 1's people plus newcomers; new group 1 = old group 0; new group 2 = only newcomers.
    new = np.array([1, 1, 0, 0, -1, -1, 0, 2, 2])
    assert match_labels(new, new_ids, old, old_ids).tolist() == [1, 0, 2]


def test_a_vanished_group_frees_its_label() -> None:
    ids = np.arange(6)
    old = np.array([0, 0, 1, 1, 2, 2])
    new = np.array([0, 0, 0, 0, 1, 1])  # old groups 0 and 1 merged; old 2 stays
    mapping = match_labels(new, ids, old, ids)
    assert mapping[1] == 2
    assert mapping[0] in (0, 1)


def test_no_overlap_no_match() -> None:
    mapping = match_labels(np.array([0, 1]), np.array([10, 11]), np.array([0, 1]), np.array([1, 2]))
    assert mapping.tolist() == [0, 1]
    assert (
        match_labels(np.array([-1, -1]), np.array([1, 2]), np.array([0, 1]), np.array([1, 2])).tolist() == []
    )
