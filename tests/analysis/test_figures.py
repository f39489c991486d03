"""The printing rules every view shares (analysis/figures.py): raw shares, supports on their scale, directions."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from workingup.analysis.bridging import STATUSES
from workingup.analysis.convergence import VERDICTS
from workingup.analysis.figures import BRIDGING_WORDS, VERDICT_WORDS, count_share, support


@given(st.integers(0, 10_000), st.integers(1, 10_000))
def test_a_share_beside_a_count_is_the_count_over_the_total(n: int, extra: int) -> None:
    total = n + extra - 1 if n + extra - 1 > 0 else 1
    n = min(n, total)
    printed = count_share(n, total, "agree")
    assert printed.startswith(f"{n}/{total} agree (")
    assert int(re.findall(r"\((\d+)%\)", printed)[0]) == round(100 * n / total)


@given(st.floats(-5.0, 5.0, allow_nan=False))
def test_predicted_support_never_prints_outside_its_scale(value: float) -> None:
    for percent in (False, True):
        printed = support(value, percent=percent)
        number = float(re.findall(r"\d+(?:\.\d+)?", printed)[0])
        assert 0.0 <= (number / 100 if percent else number) <= 1.0
        assert printed.startswith("≥") == (value > 1.0)
        assert printed.startswith("≤") == (value < 0.0)


def test_every_verdict_and_status_has_a_word_and_none_says_rejected() -> None:
    assert set(VERDICT_WORDS) == set(VERDICTS)
    assert set(BRIDGING_WORDS) == set(STATUSES)
    words = [*VERDICT_WORDS.values(), *BRIDGING_WORDS.values()]
    assert not any("rejected" in w for w in words)
