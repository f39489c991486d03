"""The examples in the analysis docstrings run and say what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import workingup.analysis
import workingup.commands

MODULES = sorted(
    name
    for package in (workingup.analysis, workingup.commands)
    for name in [package.__name__]
    + [m.name for m in pkgutil.iter_modules(package.__path__, package.__name__ + ".")]
)


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
