"""What every client sent and what it was told: the truth the database is checked against at the end.

A vote request is in one of three states. *Acknowledged*: a 200 carrying the stored vote's id (the receipt) —
it must be in the database exactly once with its value. *Refused*: a definite 4xx (say a 429) — it must not be
there. *Unknown*: sent, but no answer came back (the server was killed mid-request) and no retry was answered
before the end — it may be there or not, but never twice. Clients retry unknown requests with the same
Idempotency-Key, so most unknowns become acknowledged.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Sent:
    participant_id: int
    statement_id: int
    value: int
    order: int
    """Position in this participant's sequence of votes (each client sends one vote at a time)."""


@dataclass(frozen=True, slots=True)
class Ack:
    key: str
    vote_id: int
    replayed: bool


@dataclass
class Ledger:
    sent: dict[str, Sent] = field(default_factory=dict)
    acked: dict[str, Ack] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)
    unanswered: set[str] = field(default_factory=set)
    """Keys with an attempt that got no answer: that attempt may have been stored, whatever a retry is told."""
    statements_acked: dict[int, str] = field(default_factory=dict)
    """Statement id → text, for every statement submission answered 201."""
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    honest_429: int = 0
    abusive_429: int = 0
    abusive_sent: int = 0

    def send(self, key: str, vote: Sent) -> None:
        self.sent[key] = vote

    def answered(self, endpoint: str, status: int, seconds: float) -> None:
        self.latencies[endpoint].append(seconds)
        self.statuses[(endpoint, status)] += 1

    def ack(self, key: str, vote_id: int, replayed: bool) -> None:
        self.acked[key] = Ack(key, vote_id, replayed)

    def refuse(self, key: str) -> None:
        """A definite no — unless an earlier attempt went unanswered: then the key stays unknown (a retry
        refused with 429 after a kill does not undo a vote stored just before it)."""
        if key not in self.unanswered:
            self.refused.add(key)

    @property
    def unknown(self) -> set[str]:
        return set(self.sent) - set(self.acked) - self.refused

    def status_classes(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for (_, status), n in self.statuses.items():
            out["429" if status == 429 else f"{status // 100}xx"] += n
        return dict(sorted(out.items()))
