"""Fixtures for the themes package: the illustrative sample, its labels, and the optional embedding model."""

from __future__ import annotations

import os

import pytest

from tests.themes.fixtures import sample_topics
from workingup.themes import Contribution, embeddings_available, sample_contributions


@pytest.fixture(scope="session")
def sample() -> list[Contribution]:
    return sample_contributions()


@pytest.fixture(scope="session")
def topics() -> dict[str, str]:
    return sample_topics()


@pytest.fixture(scope="session")
def minilm() -> str:
    """The "minilm" method; skipped only where the optional extra is missing, and never in CI."""
    if not embeddings_available():
        if os.environ.get("CI"):
            pytest.fail("the embeddings extra is not installed, but CI must test it (./test installs it)")
        pytest.skip("the embeddings extra is not installed (pip install -e .[embeddings])")
    return "minilm"
