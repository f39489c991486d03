"""The vote matrix every analysis step reads: participants × statements, sparse, with the ids it came from.

Why pass needs care: agree = +1, disagree = −1, pass = 0 and unseen = missing (docs/architecture.md §3). A scipy.sparse
matrix's implicit zero would conflate "passed" with "never saw it", and the difference matters everywhere:
a pass is a seen vote (it counts in `ns`, in who is clustered, in the sparsity-aware scaling), an unseen cell
is imputed. So the matrix keeps **one stored entry per seen cell, a pass being an explicitly stored 0**: the
sparsity pattern *is* the seen mask. Anything that drops explicit zeros would silently turn passes into unseen
cells: `eliminate_zeros()`, sums, element-wise and matrix products of sparse matrices, a round trip through a
dense array. So the stored arrays are read-only, and consumers use the masks this class derives (`seen`, `agree`,
`disagree`) or its stored entries, never the values' truthiness.

Rejected (moderated-out) and meta statements keep their column and their raw votes; the analysis decides
what to do with them (Pol.is zeroes rejected columns for the projection and leaves them out of every
selection).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    from workingup.polis import PolisConversation
    from workingup.simulation import SimulatedDialogue

__all__ = ["VoteMatrix"]


def _readonly(array: NDArray[Any]) -> NDArray[Any]:
    array.flags.writeable = False
    return array


def _ids(values: ArrayLike, what: str) -> NDArray[Any]:
    """One-dimensional ids of a single kind (all integers or all strings), as a numpy array."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional, got shape {array.shape}")
    if array.dtype.kind in "iu":
        return array.astype(np.int64, copy=False)
    if array.dtype.kind == "U":
        return array
    if array.dtype.kind == "O" and len(array) and all(isinstance(v, str) for v in array.tolist()):
        return array.astype(str)
    if (
        array.dtype.kind == "f"
        and len(array)
        and np.all(np.isfinite(array))
        and np.all(array == np.round(array))
    ):
        return array.astype(np.int64)
    if len(array) == 0:
        return np.empty(0, dtype=np.int64)
    raise ValueError(f"{what} must be all integers or all strings, got dtype {array.dtype}")


@dataclass(frozen=True, eq=False)
class VoteMatrix:
    """Participants × statements votes, one stored entry per seen cell (a pass is a stored 0).

    Rows are sorted by participant id and columns by statement id, so the same votes give the same matrix
    whatever order they arrive in: every result downstream is a function of the votes, not of their order.

    Build one with `from_arrays`, `from_polis` or `from_simulation`; the constructor itself only checks.

    Examples
    --------
    >>> m = VoteMatrix.from_arrays([10, 10, 11], [1, 2, 1], [1, 0, -1], rejected=[2])
    >>> m.shape, m.n_votes
    ((2, 2), 3)
    >>> m.seen_per_participant.tolist(), m.agree_count.tolist(), m.pass_count.tolist()
    ([2, 1], [1, 0], [0, 1])
    """

    votes: sp.csr_array
    """int8 CSR, shape (n_participants, n_statements); stored entries are exactly the seen cells."""
    participant_ids: NDArray[Any]
    statement_ids: NDArray[Any]
    rejected: NDArray[np.bool_]
    """Moderated out: the column is zeroed for the projection and never selected as representative/consensus."""
    meta: NDArray[np.bool_]
    """Meta statements (about the conversation itself): routed with a fixed priority, never selected."""

    def __post_init__(self) -> None:
        votes = self.votes
        if not isinstance(votes, sp.csr_array):
            raise TypeError("votes must be a scipy.sparse.csr_array (build one with VoteMatrix.from_arrays)")
        n_p, n_s = votes.shape
        if self.participant_ids.shape != (n_p,) or self.statement_ids.shape != (n_s,):
            raise ValueError("participant_ids and statement_ids must match the matrix shape")
        if self.rejected.shape != (n_s,) or self.meta.shape != (n_s,):
            raise ValueError("rejected and meta need one flag per statement")
        if votes.dtype != np.int8 or not votes.has_canonical_format:
            raise ValueError("votes must be int8 in canonical CSR format (sorted, no duplicates)")
        if votes.nnz and not np.all(np.isin(votes.data, (-1, 0, 1))):
            raise ValueError("votes must be -1 (disagree), 0 (pass) or 1 (agree)")
        for ids, what in ((self.participant_ids, "participant"), (self.statement_ids, "statement")):
            if len(ids) > 1 and not np.all(ids[1:] > ids[:-1]):
                raise ValueError(f"{what} ids must be unique and sorted")
        for array in (votes.data, votes.indices, votes.indptr, self.participant_ids, self.statement_ids):
            _readonly(array)
        _readonly(self.rejected)
        _readonly(self.meta)

    # ----------------------------------------------------------------------------------------------- builders

    @classmethod
    def from_arrays(
        cls,
        participant_ids: ArrayLike,
        statement_ids: ArrayLike,
        values: ArrayLike,
        *,
        rejected: Iterable[Any] = (),
        meta: Iterable[Any] = (),
        participants: ArrayLike | None = None,
        statements: ArrayLike | None = None,
    ) -> VoteMatrix:
        """One vote per (participant, statement) pair: the vote that counts (the last one), nothing else.

        Parameters
        ----------
        participant_ids, statement_ids, values
            Parallel arrays, one entry per vote; values are -1, 0 (pass) or 1. Ids are integers or strings.
        rejected, meta
            Statement ids moderated out, and meta statements. They must be known statements.
        participants, statements
            The full id lists, when some participants or statements have no vote yet (they still get a row or
            a column). Every voted id must be in them.

        Raises
        ------
        ValueError
            On a duplicated (participant, statement) pair, a value outside {-1, 0, 1}, arrays of different
            lengths, or ids that are not among `participants`/`statements`: nothing is silently dropped.
        """
        p = _ids(participant_ids, "participant_ids")
        s = _ids(statement_ids, "statement_ids")
        raw_values = np.asarray(values)
        if not (len(p) == len(s) == len(raw_values)):
            raise ValueError(
                f"participant_ids, statement_ids and values differ in length ({len(p)}, {len(s)}, {len(raw_values)})"
            )
        if raw_values.ndim != 1:
            raise ValueError("values must be one-dimensional")
        if len(raw_values) and not np.all(np.isin(raw_values, (-1, 0, 1))):
            bad = raw_values[~np.isin(raw_values, (-1, 0, 1))][0]
            raise ValueError(f"votes must be -1 (disagree), 0 (pass) or 1 (agree), got {bad!r}")
        v = raw_values.astype(np.int8)

        p_universe = np.unique(p) if participants is None else _universe(participants, p, "participant")
        s_universe = np.unique(s) if statements is None else _universe(statements, s, "statement")
        rows = np.searchsorted(p_universe, p)
        cols = np.searchsorted(s_universe, s)
        n_p, n_s = len(p_universe), len(s_universe)

        # Canonical order (row, then column); a repeated pair is an input error, not something to resolve here.
        key = rows.astype(np.int64) * max(n_s, 1) + cols
        order = np.argsort(key, kind="stable")
        key = key[order]
        if len(key) > 1:
            dup = np.flatnonzero(key[1:] == key[:-1])
            if len(dup):
                i = order[dup[0]]
                raise ValueError(
                    f"{len(dup)} duplicated vote(s), e.g. participant {p[i]!r} on statement {s[i]!r}: "
                    "pass only the vote that counts (the last one)"
                )
        indptr = np.zeros(n_p + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_p), out=indptr[1:])
        index_dtype = np.int32 if max(n_s, len(v)) < 2**31 - 1 else np.int64
        votes = sp.csr_array(
            (v[order], cols[order].astype(index_dtype), indptr.astype(index_dtype)), shape=(n_p, n_s)
        )
        votes.has_sorted_indices = True
        votes.has_canonical_format = True
        return cls(
            votes=votes,
            participant_ids=p_universe,
            statement_ids=s_universe,
            rejected=_flags(rejected, s_universe, "rejected"),
            meta=_flags(meta, s_universe, "meta"),
        )

    @classmethod
    def from_polis(cls, conversation: PolisConversation | str | Path) -> VoteMatrix:
        """The conversation's current votes (last vote per pair), every comment a column, voters as rows.

        Rejected comments (moderated = -1) are marked rejected and `is-meta` comments meta, as Pol.is does.
        Participants who never voted are left out, as in Pol.is's own rating matrix.
        """
        from workingup.polis import read_polis

        conv = conversation if not isinstance(conversation, str | Path) else read_polis(Path(conversation))
        p, s, v = conv.final_votes()
        comments = conv.comments
        return cls.from_arrays(
            p,
            s,
            v,
            statements=[c.comment_id for c in comments],
            rejected=[c.comment_id for c in comments if c.moderated == -1],
            meta=[c.comment_id for c in comments if c.is_meta],
        )

    @classmethod
    def from_simulation(cls, dialogue: SimulatedDialogue, *, rejected: Sequence[int] = ()) -> VoteMatrix:
        """The simulated dialogue's final votes; participant and statement ids are their indices."""
        p, s, v = dialogue.final_votes()
        return cls.from_arrays(
            p,
            s,
            v,
            participants=np.arange(dialogue.n_participants),
            statements=np.arange(dialogue.n_statements),
            rejected=rejected,
        )

    # ------------------------------------------------------------------------------------------- derived views

    @property
    def shape(self) -> tuple[int, int]:
        n_p, n_s = self.votes.shape
        return int(n_p), int(n_s)

    @property
    def n_participants(self) -> int:
        return self.shape[0]

    @property
    def n_statements(self) -> int:
        return self.shape[1]

    @property
    def n_votes(self) -> int:
        return int(self.votes.nnz)

    @cached_property
    def row_of_vote(self) -> NDArray[np.int64]:
        """The row (participant index) of every stored vote, aligned with `votes.data`."""
        counts = np.diff(self.votes.indptr)
        return _readonly(np.repeat(np.arange(self.n_participants, dtype=np.int64), counts))

    @cached_property
    def seen_per_participant(self) -> NDArray[np.int64]:
        """Votes (passes included) each participant cast."""
        return _readonly(np.diff(self.votes.indptr).astype(np.int64))

    @cached_property
    def seen_per_statement(self) -> NDArray[np.int64]:
        return _readonly(np.bincount(self.votes.indices, minlength=self.n_statements).astype(np.int64))

    @cached_property
    def agree_count(self) -> NDArray[np.int64]:
        return _readonly(self._count_per_statement(1))

    @cached_property
    def disagree_count(self) -> NDArray[np.int64]:
        return _readonly(self._count_per_statement(-1))

    @cached_property
    def pass_count(self) -> NDArray[np.int64]:
        return _readonly(self._count_per_statement(0))

    def _count_per_statement(self, value: int) -> NDArray[np.int64]:
        mask = self.votes.data == value
        return np.bincount(self.votes.indices[mask], minlength=self.n_statements).astype(np.int64)

    def mask(self, value: int | None = None) -> sp.csr_array:
        """A boolean CSR of the seen cells (value None) or of the cells holding `value`."""
        data = np.ones(self.n_votes, dtype=bool) if value is None else self.votes.data == value
        out = sp.csr_array((data, self.votes.indices.copy(), self.votes.indptr.copy()), shape=self.shape)
        out.eliminate_zeros()
        return out

    @property
    def seen(self) -> sp.csr_array:
        return self.mask(None)

    @property
    def agree(self) -> sp.csr_array:
        return self.mask(1)

    @property
    def disagree(self) -> sp.csr_array:
        return self.mask(-1)

    def to_dense(self, missing: float = np.nan) -> NDArray[np.float64]:
        """A dense float copy with `missing` in unseen cells; for small matrices and tests only."""
        dense = np.full(self.shape, missing, dtype=np.float64)
        dense[self.row_of_vote, self.votes.indices] = self.votes.data
        return dense

    def subset_participants(self, rows: NDArray[np.int64] | NDArray[np.bool_]) -> VoteMatrix:
        """The same statements for a subset of participants (rows kept in id order)."""
        index = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else np.unique(rows)
        votes = sp.csr_array(self.votes[index])
        votes.sort_indices()
        return VoteMatrix(
            votes=votes,
            participant_ids=self.participant_ids[index].copy(),
            statement_ids=self.statement_ids.copy(),
            rejected=self.rejected.copy(),
            meta=self.meta.copy(),
        )

    def __repr__(self) -> str:
        return (
            f"VoteMatrix({self.n_participants} participants × {self.n_statements} statements, "
            f"{self.n_votes} votes, {int(self.rejected.sum())} rejected, {int(self.meta.sum())} meta)"
        )


def _universe(given: ArrayLike, used: NDArray[Any], what: str) -> NDArray[Any]:
    universe = _ids(given, f"{what}s")
    unique = np.unique(universe)
    if len(unique) != len(universe):
        raise ValueError(f"{what}s lists an id twice")
    if len(used):
        if unique.dtype.kind != used.dtype.kind:
            raise ValueError(f"{what} ids of votes and of the {what}s list are of different kinds")
        unknown = ~np.isin(used, unique)
        if np.any(unknown):
            raise ValueError(f"a vote names {what} {used[unknown][0]!r}, which is not in {what}s")
    return unique


def _flags(ids: Iterable[Any], universe: NDArray[Any], what: str) -> NDArray[np.bool_]:
    wanted = _ids(list(ids), what)
    flags = np.zeros(len(universe), dtype=bool)
    if len(wanted) == 0:
        return flags
    if len(universe) == 0 or wanted.dtype.kind != universe.dtype.kind:
        raise ValueError(f"{what} names statements that are not in the matrix: {wanted[:5].tolist()}")
    unknown = ~np.isin(wanted, universe)
    if np.any(unknown):
        raise ValueError(
            f"{what} names statements that are not in the matrix: {wanted[unknown][:5].tolist()}"
        )
    flags[np.searchsorted(universe, wanted)] = True
    return flags
