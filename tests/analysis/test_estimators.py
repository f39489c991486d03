"""scikit-learn's own conformance checks guard every estimator of the analysis (docs/architecture.md §6)."""

from __future__ import annotations

from typing import Any

import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from workingup.analysis import OpinionClusterer, SparsityAwarePCA

ESTIMATORS = [OpinionClusterer(), SparsityAwarePCA()]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_conformance(estimator: Any, check: Any) -> None:
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_clone_keeps_parameters(estimator: Any) -> None:
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params()
    assert copy is not estimator
