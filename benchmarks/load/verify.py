"""Reading the database back and comparing it with the ledger: lost, duplicated, extra, and current votes."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import asdict, dataclass

from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from benchmarks.load.ledger import Ack, Ledger
from workingup.store import make_engine, models


@dataclass(frozen=True)
class Row:
    vote_id: int
    participant_id: int
    statement_id: int
    value: int
    request_key: str | None


def read_votes(engine: Engine, dialogue_id: int) -> list[Row]:
    v = models.Vote
    with engine.connect() as connection:
        return [
            Row(*r)
            for r in connection.execute(
                select(v.id, v.participant_id, v.statement_id, v.value, v.request_key).where(
                    v.dialogue_id == dialogue_id
                )
            )
        ]


def read_current(engine: Engine, dialogue_id: int) -> dict[tuple[int, int], tuple[int, int]]:
    c = models.CurrentVote
    with engine.connect() as connection:
        rows = connection.execute(
            select(c.participant_id, c.statement_id, c.value, c.vote_id).where(c.dialogue_id == dialogue_id)
        )
        return {(p, s): (value, vote_id) for p, s, value, vote_id in rows}


def open_engine(url: str) -> Engine:
    return make_engine(url) if url.startswith("sqlite") else create_engine(url)


def pragmas(url: str) -> dict[str, object]:
    """SQLite's journal mode and synchronous level as a server connection sees them (empty on PostgreSQL)."""
    if not url.startswith("sqlite"):
        engine = create_engine(url)
        with engine.connect() as connection:
            found = {"synchronous_commit": connection.exec_driver_sql("SHOW synchronous_commit").scalar()}
            found["fsync"] = connection.exec_driver_sql("SHOW fsync").scalar()
        engine.dispose()
        return found
    engine = make_engine(url)
    with engine.connect() as connection:
        found = {
            n: connection.exec_driver_sql(f"PRAGMA {n}").scalar() for n in ("journal_mode", "synchronous")
        }
    engine.dispose()
    return found


@dataclass
class Check:
    acknowledged: int
    lost: int
    """Acknowledged, and not in the database with the acknowledged id, participant, statement and value."""
    duplicated: int
    """Rows beyond the first for one request key."""
    extra: int
    """Rows no client sent (a key nobody used, or no key at all) or that were refused."""
    unknown_present: int
    unknown_absent: int
    current_wrong: int
    """(participant, statement) pairs whose current vote is not the last acknowledged one."""
    current_extra: int
    out_of_order: int
    """Honest clients' acknowledged votes whose ids do not grow with the order they were sent in."""

    @property
    def ok(self) -> bool:
        return not (
            self.lost
            or self.duplicated
            or self.extra
            or self.current_wrong
            or self.current_extra
            or self.out_of_order
        )

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def acked_present(rows: list[Row], ledger: Ledger, acks: list[Ack]) -> int:
    """How many of `acks` are missing or wrong in `rows` (after a kill: those acknowledged before it)."""
    by_id = {r.vote_id: r for r in rows}
    lost = 0
    for ack in acks:
        sent = ledger.sent[ack.key]
        row = by_id.get(ack.vote_id)
        if row is None or (row.participant_id, row.statement_id, row.value, row.request_key) != (
            sent.participant_id,
            sent.statement_id,
            sent.value,
            ack.key,
        ):
            lost += 1
    return lost


def check(engine: Engine, dialogue_id: int, ledger: Ledger) -> Check:
    rows = read_votes(engine, dialogue_id)
    acks = list(ledger.acked.values())
    lost = acked_present(rows, ledger, acks)
    per_key = Counter(r.request_key for r in rows)
    duplicated = sum(n - 1 for k, n in per_key.items() if k is not None and n > 1)
    extra = sum(n for k, n in per_key.items() if k is None or k not in ledger.sent or k in ledger.refused)
    unknown = ledger.unknown
    unknown_present = sum(1 for k in unknown if per_key.get(k, 0) > 0)
    # `current_vote` must hold, per pair, the stored vote with the highest id ("the latest counts"), and that
    # can be no older than the last vote the client was told it made.
    newest: dict[tuple[int, int], Row] = {}
    for r in rows:
        pair = (r.participant_id, r.statement_id)
        if pair not in newest or newest[pair].vote_id < r.vote_id:
            newest[pair] = r
    last_acked: dict[tuple[int, int], int] = {}
    for ack in acks:
        sent = ledger.sent[ack.key]
        pair = (sent.participant_id, sent.statement_id)
        last_acked[pair] = max(last_acked.get(pair, 0), ack.vote_id)
    current = read_current(engine, dialogue_id)
    current_wrong = sum(
        1
        for pair, row in newest.items()
        if current.get(pair) != (row.value, row.vote_id) or row.vote_id < last_acked.get(pair, 0)
    )
    by_participant: dict[int, list[tuple[int, int]]] = {}
    for ack in acks:
        if ack.key.startswith("c"):
            sent = ledger.sent[ack.key]
            by_participant.setdefault(sent.participant_id, []).append((sent.order, ack.vote_id))
    out_of_order = 0
    for seq in by_participant.values():
        ids = [vote_id for _, vote_id in sorted(seq)]
        out_of_order += sum(1 for a, b in itertools.pairwise(ids) if b <= a)
    sent_pairs = {(s.participant_id, s.statement_id) for s in ledger.sent.values()}
    current_extra = sum(1 for pair in current if pair not in sent_pairs)
    return Check(
        acknowledged=len(acks),
        lost=lost,
        duplicated=duplicated,
        extra=extra,
        unknown_present=unknown_present,
        unknown_absent=len(unknown) - unknown_present,
        current_wrong=current_wrong,
        current_extra=current_extra,
        out_of_order=out_of_order,
    )
