"""No published aggregate describes fewer than five people, and pooling never loses or duplicates anyone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workingup.services.disclosure import MIN_GROUP, count_by_pool, pool_groups, publishable_name


@given(st.dictionaries(st.text(min_size=1, max_size=4), st.integers(0, 40), max_size=10))
def test_pools_cover_everyone_once_and_are_large_enough(sizes: dict[str, int]) -> None:
    pools = pool_groups(sizes)
    keys = [k for pool in pools for k in pool.keys]
    assert sorted(keys) == sorted(k for k, n in sizes.items() if n > 0)
    assert all(pool.size == sum(sizes[k] for k in pool.keys) for pool in pools)
    total = sum(sizes.values())
    if total >= MIN_GROUP:
        assert all(pool.size >= MIN_GROUP for pool in pools)
    else:
        assert all(pool.suppressed for pool in pools)
    # At most one pool combines several groups, so a small group can never be recovered by subtraction.
    assert sum(len(pool.keys) > 1 for pool in pools) <= 1


def test_small_sectors_are_pooled_and_the_pool_is_topped_up() -> None:
    pools = pool_groups({"employers": 5, "faith": 3, "policy": 8}, {"faith": "Faith leaders"})
    assert [(p.label, p.size) for p in pools] == [("policy", 8), ("Other (employers, Faith leaders)", 8)]
    assert [p.label for p in pool_groups({"a": 6, "b": 2, "c": 3})] == ["a", "Other (b, c)"]


def test_a_table_under_five_is_never_counted() -> None:
    pools = pool_groups({"a": 2, "b": 2})
    assert len(pools) == 1
    assert pools[0].suppressed
    assert pools[0].size_text == "fewer than 5"
    assert count_by_pool(pools, [("a", "block"), ("b", "endorse")]) == {}


def test_counts_by_pool() -> None:
    pools = pool_groups({"a": 5, "b": 1, "c": 4})
    counts = count_by_pool(pools, [("a", "endorse"), ("b", "block"), ("c", "endorse"), ("c", "endorse")])
    assert counts == {"a": {"endorse": 1}, "Other (b, c)": {"block": 1, "endorse": 2}}


def test_negative_sizes_are_an_error() -> None:
    with pytest.raises(ValueError, match="negative"):
        pool_groups({"a": -1})


@pytest.mark.parametrize(
    ("name", "consented", "shown"),
    [("Ana Ruiz", True, "Ana Ruiz"), ("Ana Ruiz", False, None), ("  ", True, None), (None, True, None)],
)
def test_names_only_with_consent(name: str | None, consented: bool, shown: str | None) -> None:
    assert publishable_name(name, consented) == shown
