"""What theme finding returns: immutable, JSON-ready, and checkable against the contributions it came from.

A quote is a span (start, end) of one contribution's text, so "is this verbatim?" is one slice away:
``contribution.text[quote.start:quote.end] == quote.text``. Results round-trip through JSON so the store can
keep one as a blob and a page can render it later without recomputing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from workingup.errors import UserError
from workingup.themes.contributions import Contribution, ContributionId

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Quote:
    """Exact words from one contribution: `text` equals the contribution's text[start:end]."""

    contribution_id: ContributionId
    text: str
    start: int
    end: int
    speaker: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "contribution_id": self.contribution_id,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "speaker": self.speaker,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Quote:
        return cls(data["contribution_id"], data["text"], data["start"], data["end"], data.get("speaker"))


@dataclass(frozen=True, slots=True)
class Theme:
    """A group of contributions that talk about the same thing.

    `members` run from the most to the least typical, so the first few are a fair sample. `key_terms` are the
    words that set this theme apart, as people wrote them; `label` is the first few of them. `cohesion` is the
    mean cosine similarity of members to the theme's centre (comparable only within one method).
    """

    id: int
    label: str
    key_terms: tuple[str, ...]
    members: tuple[ContributionId, ...]
    quotes: tuple[Quote, ...]
    cohesion: float

    @property
    def size(self) -> int:
        return len(self.members)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "size": self.size,
            "key_terms": list(self.key_terms),
            "members": list(self.members),
            "quotes": [q.to_dict() for q in self.quotes],
            "cohesion": self.cohesion,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Theme:
        return cls(
            id=data["id"],
            label=data["label"],
            key_terms=tuple(data["key_terms"]),
            members=tuple(data["members"]),
            quotes=tuple(Quote.from_dict(q) for q in data["quotes"]),
            cohesion=data["cohesion"],
        )


@dataclass(frozen=True, slots=True)
class ThemeResult:
    """Themes of one set of contributions, largest first, and the contributions that fit none ("other")."""

    method: str
    random_state: int
    themes: tuple[Theme, ...]
    other: tuple[ContributionId, ...]
    n_contributions: int

    @property
    def coverage(self) -> float:
        """Share of contributions inside a theme (the rest are "other")."""
        if self.n_contributions == 0:
            return 0.0
        return 1.0 - len(self.other) / self.n_contributions

    def theme(self, theme_id: int) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(f"no theme {theme_id}")

    def assignments(self) -> dict[ContributionId, int | None]:
        """Contribution id → theme id, or None for "other"."""
        out: dict[ContributionId, int | None] = {
            cid: theme.id for theme in self.themes for cid in theme.members
        }
        out.update(dict.fromkeys(self.other))
        return out

    def unverified_quotes(self, contributions: Iterable[Contribution]) -> list[Quote]:
        """Quotes that are not, character for character, in the contribution they cite (should be none)."""
        texts = {c.id: c.text for c in contributions}
        return [
            q
            for theme in self.themes
            for q in theme.quotes
            if q.contribution_id not in texts or texts[q.contribution_id][q.start : q.end] != q.text
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "method": self.method,
            "random_state": self.random_state,
            "n_contributions": self.n_contributions,
            "coverage": self.coverage,
            "themes": [t.to_dict() for t in self.themes],
            "other": list(self.other),
        }

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ThemeResult:
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise UserError(f"theme result format {version!r} is not supported (expected {FORMAT_VERSION})")
        return cls(
            method=data["method"],
            random_state=data["random_state"],
            themes=tuple(Theme.from_dict(t) for t in data["themes"]),
            other=tuple(data["other"]),
            n_contributions=data["n_contributions"],
        )

    @classmethod
    def from_json(cls, text: str) -> ThemeResult:
        return cls.from_dict(json.loads(text))
