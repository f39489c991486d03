"""What may be published about people: no aggregate over fewer than five, no name without consent.

A sector with three seats at the table is three people: "higher education: 2 endorse, 1 blocks" names the
blocker to anyone who knows the table. So groups under `MIN_GROUP` are pooled into "other" before anything is
counted, and when the pool itself is under the limit the smallest remaining group joins it (otherwise the pool
could be recovered by subtracting the published groups from the published total). What is still under the
limit after that (a table of four) is shown as "fewer than 5", never as numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

MIN_GROUP = 5
"""The smallest group any published aggregate may describe."""

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Pool:
    """Groups published together: one group when it is large enough, else several (or all) pooled."""

    label: str
    keys: tuple[Hashable, ...]
    size: int

    @property
    def suppressed(self) -> bool:
        return self.size < MIN_GROUP

    @property
    def size_text(self) -> str:
        return f"fewer than {MIN_GROUP}" if self.suppressed else str(self.size)


def pool_groups(
    sizes: Mapping[K, int],
    labels: Mapping[K, str] | Callable[[K], str] | None = None,
    *,
    other_label: str = "Other",
    minimum: int = MIN_GROUP,
) -> list[Pool]:
    """Pools of groups, each at least `minimum` people unless everyone together is fewer.

    Groups of size 0 are left out (nothing to say about them). The order of `sizes` is kept for the groups that
    stand alone; the pooled "other" comes last.
    """
    if minimum < 1:
        raise ValueError("minimum must be at least 1")

    def name(key: K) -> str:
        if labels is None:
            return str(key)
        return labels(key) if callable(labels) else labels.get(key, str(key))

    present = [(key, size) for key, size in sizes.items() if size > 0]
    if any(size < 0 for _, size in sizes.items()):
        raise ValueError("a group cannot have a negative size")
    alone = [(k, s) for k, s in present if s >= minimum]
    pooled = [(k, s) for k, s in present if s < minimum]
    if pooled:
        # Secondary suppression: grow the pool with the smallest groups until it is large enough itself.
        while sum(s for _, s in pooled) < minimum and alone:
            smallest = min(alone, key=lambda item: item[1])
            alone.remove(smallest)
            pooled.append(smallest)
    pools = [Pool(name(k), (k,), s) for k, s in alone]
    if pooled:
        order = {k: i for i, (k, _) in enumerate(present)}
        pooled.sort(key=lambda item: order[item[0]])
        label = (
            name(pooled[0][0])
            if len(pooled) == 1
            else f"{other_label} ({', '.join(name(k) for k, _ in pooled)})"
        )
        pools.append(Pool(label, tuple(k for k, _ in pooled), sum(s for _, s in pooled)))
    return pools


def count_by_pool(
    pools: Iterable[Pool], members: Iterable[tuple[Hashable, str]]
) -> dict[str, dict[str, int]]:
    """Counts of each value per pool, from (group key, value) pairs; suppressed pools get no counts at all."""
    pool_of = {key: pool for pool in pools for key in pool.keys}
    counts: dict[str, dict[str, int]] = {pool.label: {} for pool in pool_of.values() if not pool.suppressed}
    for key, value in members:
        pool = pool_of.get(key)
        if pool is None or pool.suppressed:
            continue
        bucket = counts[pool.label]
        bucket[value] = bucket.get(value, 0) + 1
    return counts


def publishable_name(display_name: str | None, consented: bool) -> str | None:
    """A name goes into a report only with recorded consent; everyone else is described, not named."""
    if not consented or not display_name or not display_name.strip():
        return None
    return display_name.strip()
