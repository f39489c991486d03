"""Shared fixtures: where the shared Pol.is data lives, and which conversations carry votes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("WORKINGUP_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
POLIS = SHARED / "data" / "polis"


def polis_conversations(with_votes: bool = True) -> list[str]:
    """Names of the shared conversations; an empty list (and a loud failure in CI) when the data is absent."""
    if not POLIS.is_dir():
        return []
    names = sorted(p.name for p in POLIS.iterdir() if (p / "comments.csv").exists())
    if with_votes:
        names = [n for n in names if (POLIS / n / "participants-votes.csv").exists()]
    return names


@pytest.fixture(scope="session")
def polis_root() -> Path:
    if not POLIS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"shared Pol.is data not found at {POLIS}")
        pytest.skip(f"shared Pol.is data not found at {POLIS}")
    return POLIS
