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
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from workingup.analysis import FORMAT
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


@dataclass(frozen=True)
class Representative:
    """A statement that sets a group apart (`analysis.repness.RepresentativeStatement`)."""

    statement_id: int
    repful_for: str
    """"agree" or "disagree": what the group does more than the rest."""
    n_success: int
    n_trials: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Representative:
        return cls(
            int(data["statement_id"]), str(data["repful_for"]), int(data["n_success"]), int(data["n_trials"])
        )


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
            representative=tuple(Representative.from_dict(r) for r in data["representative"]),
        )


@dataclass(frozen=True)
class Consensus:
    """A majority-consensus statement (`analysis.consensus.ConsensusStatement`)."""

    statement_id: int
    n_success: int
    n_trials: float
    p_success: float

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Consensus:
        return cls(
            int(data["statement_id"]),
            int(data["n_success"]),
            float(data["n_trials"]),
            float(data["p_success"]),
        )


class Participants:
    """Column-wise, in participant id order: where each sits on the map and their group (None: not clustered).

    Each column is read from the JSON when first asked for, so a reader pays only for the columns it uses.
    """

    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw

    @cached_property
    def id(self) -> tuple[int, ...]:
        return tuple(int(i) for i in self._raw["id"])

    @cached_property
    def x(self) -> tuple[Number, ...]:
        return tuple(self._raw["x"])

    @cached_property
    def y(self) -> tuple[Number, ...]:
        return tuple(self._raw["y"])

    @cached_property
    def group(self) -> tuple[int | None, ...]:
        return tuple(None if g is None else int(g) for g in self._raw["group"])


class Statements:
    """Column-wise, in statement id order; the `group_*` rows follow `Opinions.groups`. Read lazily, per column."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw

    def _ints(self, name: str) -> tuple[int, ...]:
        return tuple(int(v) for v in self._raw[name])

    def _numbers(self, name: str) -> tuple[Number, ...]:
        return tuple(None if v is None else float(v) for v in self._raw[name])

    def _rows(self, name: str) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(int(v) for v in row) for row in self._raw[name])

    @cached_property
    def id(self) -> tuple[int, ...]:
        return self._ints("id")

    @cached_property
    def x(self) -> tuple[Number, ...]:
        return self._numbers("x")

    @cached_property
    def y(self) -> tuple[Number, ...]:
        return self._numbers("y")

    @cached_property
    def agree(self) -> tuple[int, ...]:
        return self._ints("agree")

    @cached_property
    def disagree(self) -> tuple[int, ...]:
        return self._ints("disagree")

    @cached_property
    def passes(self) -> tuple[int, ...]:
        return self._ints("pass")

    @cached_property
    def rejected(self) -> tuple[bool, ...]:
        return tuple(bool(v) for v in self._raw["rejected"])

    @cached_property
    def meta(self) -> tuple[bool, ...]:
        return tuple(bool(v) for v in self._raw["meta"])

    @cached_property
    def group_informed_consensus(self) -> tuple[Number, ...]:
        return self._numbers("group_informed_consensus")

    @cached_property
    def divisiveness(self) -> tuple[Number, ...]:
        return self._numbers("divisiveness")

    @cached_property
    def priority(self) -> tuple[Number, ...]:
        return self._numbers("priority")

    @cached_property
    def group_agree(self) -> tuple[tuple[int, ...], ...]:
        return self._rows("group_agree")

    @cached_property
    def group_disagree(self) -> tuple[tuple[int, ...], ...]:
        return self._rows("group_disagree")

    @cached_property
    def group_seen(self) -> tuple[tuple[int, ...], ...]:
        return self._rows("group_seen")

    @property
    def selectable(self) -> tuple[bool, ...]:
        """Statements that can be reported: voted on, neither rejected nor meta (as `AnalysisResult.selectable`)."""
        return tuple(
            a + d + p > 0 and not r and not m
            for a, d, p, r, m in zip(
                self.agree, self.disagree, self.passes, self.rejected, self.meta, strict=True
            )
        )


class Opinions:
    """The opinion analysis (`AnalysisResult.to_dict`): groups, consensus and the per-statement columns."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw
        self.participants = Participants(raw.get("participants", {}))
        self.statements = Statements(raw.get("statements", {}))

    @cached_property
    def n_participants(self) -> int:
        return int(self._raw["n_participants"])

    @cached_property
    def n_clustered(self) -> int:
        return int(self._raw["n_clustered"])

    @cached_property
    def n_votes(self) -> int:
        return int(self._raw["n_votes"])

    @cached_property
    def groups(self) -> tuple[Group, ...]:
        return tuple(Group.from_dict(g) for g in self._raw["groups"])

    @cached_property
    def group_sizes(self) -> tuple[tuple[str, int], ...]:
        """(name, size) of every group, in `groups` order: all that publishing a tally needs."""
        return tuple((str(g["name"]), int(g["size"])) for g in self._raw["groups"])

    @cached_property
    def consensus_agree(self) -> tuple[Consensus, ...]:
        return tuple(Consensus.from_dict(c) for c in self._raw["consensus"]["agree"])

    @cached_property
    def consensus_disagree(self) -> tuple[Consensus, ...]:
        return tuple(Consensus.from_dict(c) for c in self._raw["consensus"]["disagree"])


@dataclass(frozen=True)
class CoordinatedBloc:
    """A bloc of alike voters (`analysis.coordination.CoordinatedBloc`)."""

    size: int
    agreement: Number
    mean_shared: Number


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
                CoordinatedBloc(int(b["size"]), b["agreement"], b["mean_shared"]) for b in blocs
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

    @classmethod
    def of(cls, run: models.AnalysisRun) -> StoredAnalysis:
        """Read a stored run; ValueError when it is in another format (KeyError or TypeError on first use of a
        part it lacks)."""
        return cls(parse(run))
