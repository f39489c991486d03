"""Representativeness: what sets each opinion group apart, selected as Pol.is selects it.

For group g and statement c, with counts over g's members and over the rest of the clustered participants:
pa = (na+1)/(ns+2), pat = 2·sqrt(ns+1)·((na+1)/(ns+1) − ½), ra = pa / ((na_rest+1)/(ns_rest+2)),
rat = two-proportion z-test of (na, ns) against (na_rest, ns_rest); likewise pd, pdt, rd, rdt for disagree.

Selection per group (Pol.is `repness.clj` `select-rep-comments`), over statements neither rejected nor meta and
with at least one vote, in statement-id order:
1. the *best agree*: scanning statements in order, a statement with some agree or disagree vote replaces the
   current best when (no best yet) pat is significant or (ra > 1 and pa > ½); (best has ra > 1)
   ra·rat·pa·pat is larger; (otherwise) pa·pat is larger;
2. *sufficient* statements: (pat and rat significant) or (pdt and rdt significant); each is reported for agree
   when rat > rdt, else for disagree;
3. no sufficient statement: the best agree alone, or failing that the statement with the largest max(rat, rdt);
4. otherwise: the best agree first, then the sufficient ones by decreasing repness·repness-test·p·p-test (a stable
   sort: statement order breaks ties), the first `pick_max` kept, then agrees before disagrees (stable).
Significant means z > 1.2816 (Pol.is's one-sided 90 % threshold).

Known differences with red-dwarf 0.4.0, which otherwise computes the same figures: it tests z > 1.28155 (the
exact quantile), returns nothing for a group that has sufficient statements but no best agree (Pol.is returns the
sufficient ones), and breaks ties in the sort with an unstable quicksort. Pol.is itself rounds repness-test to a
32-bit float in its output; we keep 64 bits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from workingup.analysis.counts import GroupCounts, probability, prop_test, two_prop_test
from workingup.analysis.settings import Z_90

__all__ = ["Z_90", "RepnessTable", "RepresentativeStatement", "representativeness", "select_representative"]


@dataclass(frozen=True, eq=False)
class RepnessTable:
    """Per group and statement, shape (n_groups, n_statements)."""

    na: NDArray[np.int64]
    nd: NDArray[np.int64]
    ns: NDArray[np.int64]
    pa: NDArray[np.float64]
    pd: NDArray[np.float64]
    pat: NDArray[np.float64]
    pdt: NDArray[np.float64]
    ra: NDArray[np.float64]
    rd: NDArray[np.float64]
    rat: NDArray[np.float64]
    rdt: NDArray[np.float64]


@dataclass(frozen=True)
class RepresentativeStatement:
    """One statement that characterises a group, in Pol.is's terms (n-success of n-trials, p-success…)."""

    statement_id: Any
    repful_for: Literal["agree", "disagree"]
    n_success: int
    n_trials: int
    p_success: float
    p_test: float
    repness: float
    repness_test: float
    best_agree: bool = False
    n_agree: int | None = None
    """Set on the best-agree statement only (Pol.is's `n-agree`)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def representativeness(counts: GroupCounts) -> RepnessTable:
    """The full table, each group against the rest of the clustered participants."""
    na, nd, ns = counts.agree, counts.disagree, counts.seen
    na_rest = na.sum(axis=0) - na
    nd_rest = nd.sum(axis=0) - nd
    ns_rest = ns.sum(axis=0) - ns
    pa = probability(na, ns)
    pd = probability(nd, ns)
    return RepnessTable(
        na=na,
        nd=nd,
        ns=ns,
        pa=pa,
        pd=pd,
        pat=prop_test(na, ns),
        pdt=prop_test(nd, ns),
        ra=pa / probability(na_rest, ns_rest),
        rd=pd / probability(nd_rest, ns_rest),
        rat=two_prop_test(na, na_rest, ns, ns_rest),
        rdt=two_prop_test(nd, nd_rest, ns, ns_rest),
    )


def select_representative(
    table: RepnessTable,
    statement_ids: NDArray[Any],
    eligible: NDArray[np.bool_],
    *,
    pick_max: int = 5,
    z: float = Z_90,
) -> tuple[tuple[RepresentativeStatement, ...], ...]:
    """The representative statements of every group (see the module docstring for the rules)."""
    return tuple(
        _select_for_group(table, g, statement_ids, np.flatnonzero(eligible), pick_max, z)
        for g in range(table.na.shape[0])
    )


def _select_for_group(
    t: RepnessTable, g: int, statement_ids: NDArray[Any], columns: NDArray[np.int64], pick_max: int, z: float
) -> tuple[RepresentativeStatement, ...]:
    # Plain Python floats: the scan below is sequential by nature and this keeps it fast.
    na, nd, ns = (t.na[g, columns].tolist(), t.nd[g, columns].tolist(), t.ns[g, columns].tolist())
    pa, pd, pat, pdt = (a[g, columns].tolist() for a in (t.pa, t.pd, t.pat, t.pdt))
    ra, rd, rat, rdt = (a[g, columns].tolist() for a in (t.ra, t.rd, t.rat, t.rdt))

    def finalize(i: int, *, best_agree: bool = False) -> RepresentativeStatement:
        agree = rat[i] > rdt[i]
        return RepresentativeStatement(
            statement_id=statement_ids[columns[i]].item(),
            repful_for="agree" if agree else "disagree",
            n_success=int(na[i] if agree else nd[i]),
            n_trials=int(ns[i]),
            p_success=float(pa[i] if agree else pd[i]),
            p_test=float(pat[i] if agree else pdt[i]),
            repness=float(ra[i] if agree else rd[i]),
            repness_test=float(rat[i] if agree else rdt[i]),
            best_agree=best_agree,
            n_agree=int(na[i]) if best_agree else None,
        )

    best_agree: int | None = None
    for i in range(len(columns)):
        if na[i] == 0 and nd[i] == 0:
            continue
        if best_agree is None:
            accept = pat[i] > z or (ra[i] > 1.0 and pa[i] > 0.5)
        elif ra[best_agree] > 1.0:
            b = best_agree
            accept = ra[i] * rat[i] * pa[i] * pat[i] > ra[b] * rat[b] * pa[b] * pat[b]
        else:
            accept = pa[i] * pat[i] > pa[best_agree] * pat[best_agree]
        if accept:
            best_agree = i

    sufficient = [
        i for i in range(len(columns)) if (pat[i] > z and rat[i] > z) or (pdt[i] > z and rdt[i] > z)
    ]
    head = [finalize(best_agree, best_agree=True)] if best_agree is not None else []
    if not sufficient:
        if head or not len(columns):
            return tuple(head)
        best = 0
        for i in range(1, len(columns)):
            if max(rat[i], rdt[i]) > max(rat[best], rdt[best]):
                best = i
        return (finalize(best),)

    finalized = [finalize(i) for i in sufficient if i != best_agree]
    metric = [s.repness * s.repness_test * s.p_success * s.p_test for s in finalized]
    order = sorted(range(len(finalized)), key=lambda j: -metric[j])  # stable: statement order breaks ties
    chosen = (head + [finalized[j] for j in order])[:pick_max]
    return tuple(s for s in chosen if s.repful_for == "agree") + tuple(
        s for s in chosen if s.repful_for == "disagree"
    )
