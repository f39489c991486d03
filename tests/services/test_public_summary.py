"""The public summary's arithmetic: the Wilson range, and that a bar is never built for fewer than five people."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workingup.services.public_summary import Share, wilson
from workingup.services.results import Tally


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_range_holds_the_share_and_stays_in_0_1(case: tuple[int, int]) -> None:
    k, n = case
    low, high = wilson(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0


def test_wilson_matches_a_known_value_and_narrows_with_more_votes() -> None:
    low, high = wilson(9, 10)  # 90 % Wilson interval for 9 of 10, z = 1.645, worked by hand
    assert low == pytest.approx(0.6523, abs=1e-4)
    assert high == pytest.approx(0.9774, abs=1e-4)
    wide, narrow = wilson(9, 10), wilson(900, 1000)
    assert narrow[1] - narrow[0] < (wide[1] - wide[0]) / 5


def test_no_share_under_five_people() -> None:
    assert Share.of("group", "A", Tally.of(3, 1, 0)) is None
    share = Share.of("side", "left", Tally.of(4, 1, 0))
    assert share is not None
    assert share.voters == 5
    assert share.percent == 80
    assert share.low_percent <= 80 <= share.high_percent
