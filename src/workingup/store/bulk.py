"""Inserting many rows at once and getting their ids back in order, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from workingup.store.models import Base

BATCH = 5_000


def insert_returning_ids(
    session: Session,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    on_batch: Callable[[int], None] | None = None,
) -> list[int]:
    """Insert `rows` into `model`'s table; the ids come back in the order of `rows`.

    Uses SQLAlchemy's "insertmanyvalues" with `sort_by_parameter_order`, which batches the INSERTs and still
    guarantees the correspondence between rows and ids on both backends.
    """
    ids: list[int] = []
    table: Any = model.__table__
    statement = insert(model).returning(table.c.id, sort_by_parameter_order=True)
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        ids.extend(session.scalars(statement, list(batch)).all())
        if on_batch is not None:
            on_batch(len(batch))
    return ids
