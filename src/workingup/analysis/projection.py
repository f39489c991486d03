"""The 2-D opinion map: PCA of the mean-imputed vote matrix, without ever densifying it.

Why it stays sparse: imputing an unseen cell with its column mean and then centring the column makes that cell
exactly 0, so the centred, imputed matrix has the same sparsity pattern as the votes. Its principal axes are
the top eigenvectors of the statements × statements Gram matrix of that sparse matrix, one sparse product
away, whatever the number of participants (docs/architecture.md §3.1).

Pol.is conventions kept exactly (as red-dwarf 0.4.0 reproduces them):
- a moderated-out column is zeroed for everyone: it counts as a seen 0 in every row (so it enters the scaling
  below) and contributes nothing to the axes;
- a participant is projected from the cells they saw only, then pushed out by sqrt(n_columns / n_seen), so
  people who voted little do not bunch up in the centre;
- a statement is placed where a virtual participant who agreed with it alone would be; its *extremity* is that
  point's distance from the centre;
- only columns with at least one vote exist for the projection (Pol.is's rating matrix has no others);
- component signs follow scikit-learn's PCA (the largest loading of each component is positive).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.linalg import LinearOperator, eigsh
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

__all__ = ["SparsityAwarePCA"]

_GRAM_LIMIT = 4000
"""Up to this many statements the Gram matrix is formed and solved exactly (dense, ≤ 128 MB)."""


class SparsityAwarePCA(TransformerMixin, BaseEstimator):  # type: ignore[misc]  # sklearn is untyped
    """Pol.is's sparsity-aware PCA: mean imputation, projection from seen cells only, scaled by sparsity.

    Parameters
    ----------
    n_components : int, default=2
        Number of axes; fewer are learnt when the data has fewer rows or columns.
    zeroed_columns : array-like of int or None, default=None
        Column indices that Pol.is zeroes (moderated out): every row counts them as a seen 0.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Column means over seen cells (0 for zeroed and empty columns).
    components_ : ndarray of shape (n_components_, n_features)
    explained_variance_ : ndarray of shape (n_components_,)
    n_components_ : int
    present_ : ndarray of bool, shape (n_features,)
        Columns with at least one seen cell: the only ones the projection knows.
    statement_projection_ : ndarray of shape (n_features, n_components_)
        Where a participant who agreed with that statement alone would be projected.
    extremity_ : ndarray of shape (n_features,)
        Distance of `statement_projection_` from the centre.

    Notes
    -----
    Input is either a scipy.sparse matrix whose *stored* entries are the seen cells (a pass is a stored 0), or a
    dense array in which NaN marks an unseen cell.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1, 1, np.nan], [1, 1, -1], [-1, -1, 1], [-1, np.nan, 1]])
    >>> pca = SparsityAwarePCA().fit(X)
    >>> xy = pca.transform(X)
    >>> bool(np.sign(xy[0, 0]) == np.sign(xy[1, 0]) != np.sign(xy[2, 0]))
    True
    """

    def __init__(self, n_components: int = 2, *, zeroed_columns: ArrayLike | None = None) -> None:
        self.n_components = n_components
        self.zeroed_columns = zeroed_columns

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = True
        return tags

    def fit(self, X: Any, y: Any = None) -> SparsityAwarePCA:
        """Learn the column means and the principal axes."""
        if not isinstance(self.n_components, int | np.integer) or self.n_components < 1:
            raise ValueError(f"n_components must be a positive integer, got {self.n_components!r}")
        X = validate_data(self, X, accept_sparse="csr", ensure_all_finite="allow-nan", dtype=np.float64)
        seen = _seen_cells(X)
        n_samples, n_features = seen.shape
        zeroed = self._zeroed_mask(n_features)

        counts = np.bincount(seen.indices, minlength=n_features)
        self.present_ = counts > 0
        sums = np.bincount(seen.indices, weights=seen.data, minlength=n_features)
        live = self.present_ & ~zeroed
        self.mean_ = np.where(live, sums / np.maximum(counts, 1), 0.0)
        self.zeroed_present_ = zeroed & self.present_

        # Axes are learnt on the live columns only, so zeroed and empty ones get exactly zero loadings.
        live_index = np.flatnonzero(live)
        centred = self._centre(seen)[:, live_index]
        k = int(min(self.n_components, n_samples, n_features))
        vectors, values = _top_eigenvectors(sp.csr_array(centred), min(k, len(live_index)))
        self.components_ = np.zeros((k, n_features))
        self.components_[: vectors.shape[1], live_index] = _flip_signs(vectors.T)
        values = np.r_[values, np.zeros(k - len(values))]
        self.explained_variance_ = values / max(n_samples - 1, 1)
        self.n_components_ = k

        scale = np.sqrt(float(self.present_.sum()))
        self.statement_projection_ = ((1.0 - self.mean_) * live)[:, None] * self.components_.T * scale
        self.extremity_ = np.sqrt(np.sum(self.statement_projection_**2, axis=1))
        return self

    def transform(self, X: Any) -> NDArray[np.float64]:
        """Project each row from the cells it saw, scaled by sqrt(n_columns / n_seen)."""
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse="csr", ensure_all_finite="allow-nan", dtype=np.float64, reset=False
        )
        seen = _seen_cells(X)
        centred = self._centre(seen)
        projected = np.asarray(centred @ self.components_.T)
        return projected * self._scaling(seen)[:, None]

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> NDArray[np.float64]:
        return self.fit(X).transform(X)

    # ---------------------------------------------------------------------------------------------- internals

    def _zeroed_mask(self, n_features: int) -> NDArray[np.bool_]:
        mask = np.zeros(n_features, dtype=bool)
        if self.zeroed_columns is not None:
            index = np.asarray(self.zeroed_columns, dtype=np.int64).ravel()
            if np.any((index < 0) | (index >= n_features)):
                raise ValueError(f"zeroed_columns must be column indices in [0, {n_features})")
            mask[index] = True
        return mask

    def _centre(self, seen: sp.csr_array) -> sp.csr_array:
        """Seen cells minus their column mean, zeroed and unknown columns dropped (they contribute 0)."""
        live = self.present_ & ~self.zeroed_present_
        keep = live[seen.indices]
        rows = np.repeat(np.arange(seen.shape[0]), np.diff(seen.indptr))
        indptr = np.zeros(seen.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows[keep], minlength=seen.shape[0]), out=indptr[1:])
        cols = seen.indices[keep]
        data = seen.data[keep] - self.mean_[cols]
        return sp.csr_array((data, cols, indptr), shape=seen.shape)

    def _scaling(self, seen: sp.csr_array) -> NDArray[np.float64]:
        counted = (self.present_ & ~self.zeroed_present_)[seen.indices]
        rows = np.repeat(np.arange(seen.shape[0]), np.diff(seen.indptr))
        n_seen = np.bincount(rows[counted], minlength=seen.shape[0]) + int(self.zeroed_present_.sum())
        return np.asarray(np.sqrt(float(self.present_.sum()) / np.maximum(n_seen, 1)), dtype=np.float64)


def _seen_cells(X: Any) -> sp.csr_array:
    """A float CSR whose stored entries are exactly the seen cells (NaN cells dropped, stored zeros kept)."""
    if sp.issparse(X):
        csr = sp.csr_array(X, dtype=np.float64)
        csr.sum_duplicates()
        if np.isnan(csr.data).any():
            keep = ~np.isnan(csr.data)
            rows = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
            csr = sp.csr_array((csr.data[keep], (rows[keep], csr.indices[keep])), shape=csr.shape)
        return csr
    dense = np.asarray(X, dtype=np.float64)
    rows, cols = np.nonzero(~np.isnan(dense))
    return sp.csr_array((dense[rows, cols], (rows, cols)), shape=dense.shape)


def _top_eigenvectors(centred: sp.csr_array, k: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The k leading right singular vectors of `centred` (columns) and their squared singular values.

    Exact dense eigendecomposition of the Gram matrix up to `_GRAM_LIMIT` statements; beyond it, Lanczos from a
    fixed start vector. One BLAS thread either way, so the result is bit-for-bit reproducible.
    """
    n_features = centred.shape[1]
    if k == 0 or n_features == 0:
        return np.zeros((n_features, k)), np.zeros(k)
    with threadpool_limits(1):
        if n_features <= _GRAM_LIMIT or k >= n_features - 1:
            gram = (centred.T @ centred).toarray() if sp.issparse(centred) else centred.T @ centred
            values, vectors = scipy.linalg.eigh(gram, subset_by_index=[n_features - k, n_features - 1])
        else:
            transpose = centred.T.tocsr()

            def matvec(v: NDArray[np.float64]) -> NDArray[np.float64]:
                return np.asarray(transpose @ (centred @ v))

            operator = LinearOperator((n_features, n_features), matvec=matvec, dtype=np.float64)
            start = np.random.default_rng(0).standard_normal(n_features)
            values, vectors = eigsh(operator, k=k, v0=start, tol=1e-10)
    order = np.argsort(-values, kind="stable")
    return vectors[:, order], np.maximum(values[order], 0.0)


def _flip_signs(components: NDArray[np.float64]) -> NDArray[np.float64]:
    """scikit-learn's PCA convention: the largest-magnitude loading of every component is positive."""
    if components.size == 0:
        return components
    biggest = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(len(components)), biggest])
    signs[signs == 0] = 1.0
    return np.asarray(components * signs[:, None])
