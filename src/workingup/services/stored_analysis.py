"""A stored analysis read back as typed objects: the one reader of `analysis_run.result`.

What is stored is `services.analysis.DialogueAnalysis.to_json()`: the engine's `AnalysisResult.to_dict()` under
"analysis" and `ConvergenceResult.to_dict()` under "convergence". Every reader (the dashboard, public results,
recommendation candidates, routing priority, group names across runs) goes through `StoredAnalysis.from_dict`,
so a renamed field is spelled in one place and every use of it is checked by mypy, instead of 77 string subscripts
spread over five modules (docs/architecture.md §5). The large column-wise parts are read lazily, a column at a
time, so the routing priority does not pay for the dashboard's columns. Fields nobody reads are not modelled;
they stay in the JSON for exports and audits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any, Generic, Literal, TypeVar, overload
from weakref import WeakKeyDictionary

from workingup.analysis import FORMAT
from workingup.analysis.priority import VerdictRouting
from workingup.store import models

Number = float | None
"""A figure that may not exist (NaN is stored as null)."""


def parse(run: models.AnalysisRun) -> dict[str, Any]:
    """The stored run as raw JSON: {"analysis": …, "convergence": …, "sectors": …}; for exports and tests."""
    data: dict[str, Any] = json.loads(run.result)
    found = data.get("analysis", {}).get("format")
    if found != FORMAT:
        raise ValueError(f"analysis run {run.id} is in format {found!r}, not {FORMAT!r}")
    return data


R = TypeVar("R")


def _record(kind: type[R], data: dict[str, Any]) -> R:
    """A flat record dataclass from the stored dict's keys of the same names (other keys are ignored)."""
    return kind(**{f.name: data[f.name] for f in fields(kind)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Representative:
    """A statement that sets a group apart (`analysis.repness.RepresentativeStatement`)."""

    statement_id: int
    repful_for: str
    """"agree" or "disagree": Pol.is's label (what the group does more than the rest, except for the best agree)."""
    n_success: int
    n_trials: int
    best_agree: bool
    """The statement the group agrees with most (Pol.is's best agree): shown as an agree whatever `repful_for`
    says (analysis/figures.py `shown_direction`)."""
    n_agree: int | None
    """The group's agree count, set on the best agree only."""


@dataclass(frozen=True)
class Group:
    """One opinion group (`analysis.result.OpinionGroup`)."""

    label: int
    name: str
    size: int
    representative: tuple[Representative, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Group:
        return cls(
            label=int(data["label"]),
            name=str(data["name"]),
            size=int(data["size"]),
            representative=tuple(_record(Representative, r) for r in data["representative"]),
        )


@dataclass(frozen=True)
class Consensus:
    """A majority-consensus statement (`analysis.consensus.ConsensusStatement`)."""

    statement_id: int
    n_success: int
    n_trials: float
    p_success: float


T = TypeVar("T")


class _Raw:
    """A part of the stored JSON, kept as it is until a `Column` of it is read."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw


class Column(Generic[T]):
    """One column of a column-wise part, converted element by element the first time it is read, then kept.

    A non-data descriptor: the converted tuple is stored on the instance, which shadows the descriptor after.
    """

    def __init__(self, convert: Callable[[Any], T], key: str = "") -> None:
        self.convert = convert
        self.key = key

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.key = self.key or name

    @overload
    def __get__(self, part: None, owner: type) -> Column[T]: ...

    @overload
    def __get__(self, part: _Raw, owner: type) -> tuple[T, ...]: ...

    def __get__(self, part: _Raw | None, owner: type) -> Column[T] | tuple[T, ...]:
        if part is None:
            return self
        values = tuple(self.convert(v) for v in part.raw[self.key])
        part.__dict__[self.name] = values
        return values


def _number(value: Any) -> Number:
    return None if value is None else float(value)


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _ints(row: Any) -> tuple[int, ...]:
    return tuple(int(v) for v in row)


class Participants(_Raw):
    """Column-wise, in participant id order: where each sits on the map and their group (None: not clustered)."""

    id = Column(int)
    x = Column(_number)
    y = Column(_number)
    group = Column(_optional_int)


class Statements(_Raw):
    """Column-wise, in statement id order; the `group_*` rows follow `Opinions.groups`."""

    id = Column(int)
    x = Column(_number)
    y = Column(_number)
    agree = Column(int)
    disagree = Column(int)
    passes = Column(int, "pass")
    rejected = Column(bool)
    meta = Column(bool)
    group_informed_consensus = Column(_number)
    divisiveness = Column(_number)
    priority = Column(_number)
    group_agree = Column(_ints)
    group_disagree = Column(_ints)
    group_seen = Column(_ints)

    @property
    def selectable(self) -> tuple[bool, ...]:
        """Statements that can be reported: voted on, neither rejected nor meta (as `AnalysisResult.selectable`)."""
        return tuple(
            a + d + p > 0 and not r and not m
            for a, d, p, r, m in zip(
                self.agree, self.disagree, self.passes, self.rejected, self.meta, strict=True
            )
        )


class Opinions(_Raw):
    """The opinion analysis (`AnalysisResult.to_dict`): counts, groups, consensus and the column-wise parts."""

    def __init__(self, raw: dict[str, Any]) -> None:
        super().__init__(raw)
        self.participants = Participants(raw.get("participants", {}))
        self.statements = Statements(raw.get("statements", {}))

    def count(self, name: Literal["n_participants", "n_clustered", "n_votes"]) -> int:
        """One of the run's counts (a Literal, so mypy refuses a misspelt one)."""
        return int(self.raw[name])

    @cached_property
    def groups(self) -> tuple[Group, ...]:
        return tuple(Group.from_dict(g) for g in self.raw["groups"])

    @cached_property
    def group_sizes(self) -> tuple[tuple[str, int], ...]:
        """(name, size) of every group, in `groups` order: all that publishing a tally needs."""
        return tuple((str(g["name"]), int(g["size"])) for g in self.raw["groups"])

    @cached_property
    def consensus_agree(self) -> tuple[Consensus, ...]:
        return tuple(_record(Consensus, c) for c in self.raw["consensus"]["agree"])

    @cached_property
    def consensus_disagree(self) -> tuple[Consensus, ...]:
        return tuple(_record(Consensus, c) for c in self.raw["consensus"]["disagree"])


@dataclass(frozen=True)
class CoordinatedBloc:
    """A bloc of alike voters (`analysis.coordination.CoordinatedBloc`)."""

    size: int
    agreement: float
    """Share of the statements a pair of members shares on which they voted alike, averaged over pairs (0 when not
    computed)."""
    mean_shared: float
    """Mean number of statements a pair of members both voted on (0 when not computed)."""


@dataclass(frozen=True)
class Verdicts:
    """The three-lens convergence verdict per statement (`ConvergenceResult.to_dict`)."""

    statement_ids: tuple[int, ...]
    verdict: tuple[str, ...]
    reasons: tuple[str, ...]
    cross_bloc_support: tuple[Number, ...]
    """Lens 1: the weakest group's support, per statement."""
    coordinated: tuple[CoordinatedBloc, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verdicts:
        blocs = (data.get("coordination") or {}).get("blocs", [])
        return cls(
            statement_ids=tuple(int(i) for i in data["statement_ids"]),
            verdict=tuple(str(v) for v in data["verdict"]),
            reasons=tuple(str(r) for r in data["reasons"]),
            cross_bloc_support=tuple(data["lenses"]["groups"]["support"]["cross_bloc_support"]),
            coordinated=tuple(
                CoordinatedBloc(int(b["size"]), float(b["agreement"] or 0.0), float(b["mean_shared"] or 0.0))
                for b in blocs
            ),
        )


class StoredAnalysis:
    """One stored run: the opinion analysis and, when it was computed, the convergence verdict."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.opinions = Opinions(raw["analysis"])
        self._convergence: dict[str, Any] | None = raw.get("convergence") or None

    @cached_property
    def verdicts(self) -> Verdicts | None:
        return None if self._convergence is None else Verdicts.from_dict(self._convergence)

    @cached_property
    def routing(self) -> VerdictRouting | None:
        """Routing by the verdict, when the run stored it (runs before issue 16 did not)."""
        data = None if self._convergence is None else self._convergence.get("routing")
        return None if not data else VerdictRouting.from_dict(data)

    @classmethod
    def of(cls, run: models.AnalysisRun) -> StoredAnalysis:
        """Read a stored run; ValueError when it is in another format (KeyError or TypeError on first use of a
        part it lacks).

        Read once per loaded run: a stored run never changes, and one page reads it in several places (the public
        page: its groups, its verdicts and its map), each of which parsed the whole JSON again. Keyed by the
        loaded row (and the text it was read from, should the row be given another), so the reading lives as long as
        the session that loaded it."""
        found = _read.get(run)
        if found is None or found[0] is not run.result:
            found = _read[run] = (run.result, cls(parse(run)))
        return found[1]


_read: WeakKeyDictionary[models.AnalysisRun, tuple[str, StoredAnalysis]] = WeakKeyDictionary()
