"""The fuzzers' budget: a few examples in the everyday suite, many more on request.

`WORKINGUP_FUZZ_EXAMPLES=500 ./test tests/polis/test_import_fuzz.py` (or any fuzz test) runs the longer search
documented in benchmarks/fuzz/README.md; the default keeps every fuzzer to a few seconds.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workingup.store.models import Base


def examples(default: int) -> int:
    return int(os.environ.get("WORKINGUP_FUZZ_EXAMPLES", default))


def fuzz_settings(default: int) -> settings:
    """Bounded, reproducible in the suite (derandomized, no example database); random when run longer."""
    longer = "WORKINGUP_FUZZ_EXAMPLES" in os.environ
    return settings(
        max_examples=examples(default),
        deadline=None,
        derandomize=not longer,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def row_counts(session: Session) -> dict[str, int]:
    """Rows in every table: all-or-nothing means these are exactly equal after a refused import."""
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }
