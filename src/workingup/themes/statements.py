"""Candidate statements for the dialogue, cut from a theme's quotes: extractive, never invented.

A candidate is one sentence of one quote, kept verbatim with its place in the contribution, so a facilitator
who edits it into a statement can always show where it came from. Sentences are preferred that

* read as a claim a table could vote on: 4–40 words, not a question;
* use the theme's key terms (they are about the theme, not an aside);
* propose something ("should", "would help", "need") — `suggested_kind` says PROPOSAL for those, and leaves
  the rest (experiences, facts as lived) for the facilitator to classify.

One candidate per quote comes first, so candidates speak with several voices; near-identical sentences are
kept once; with an existing-statement index, each candidate carries the statements it may duplicate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from workingup.domain import StatementKind
from workingup.themes.contributions import ContributionId
from workingup.themes.duplicates import DuplicateMatch, NearDuplicateIndex
from workingup.themes.result import Quote, Theme
from workingup.themes.text import analyze, sentence_spans, words

MIN_WORDS = 4
MAX_WORDS = 40
_NORMATIVE = re.compile(
    r"\b(should|shouldn't|ought|must|need(?:s|ed)? to|needs?|would (?:help|change|let|keep|open|make)|"
    r"could help|has to|have to be|deserve[sd]?)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class CandidateStatement:
    """A sentence from a theme's quote, offered as a dialogue statement.

    `start`/`end` locate `text` in the contribution (``contribution.text[start:end] == text``).
    """

    text: str
    theme_id: int
    contribution_id: ContributionId
    start: int
    end: int
    suggested_kind: StatementKind | None
    similar_existing: tuple[DuplicateMatch, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "theme_id": self.theme_id,
            "contribution_id": self.contribution_id,
            "start": self.start,
            "end": self.end,
            "suggested_kind": self.suggested_kind.value if self.suggested_kind else None,
            "similar_existing": [m.to_dict() for m in self.similar_existing],
        }


def candidate_statements(
    theme: Theme, *, limit: int = 5, existing: NearDuplicateIndex | None = None
) -> tuple[CandidateStatement, ...]:
    """Up to `limit` candidates from `theme`'s quotes, best first."""
    key_stems = {s for term in theme.key_terms for s in analyze(term)}
    per_quote: list[list[tuple[float, CandidateStatement]]] = []
    for rank, quote in enumerate(theme.quotes):
        options = []
        for start, end in sentence_spans(quote.text):
            sentence = quote.text[start:end]
            count = len(words(sentence))
            if not MIN_WORDS <= count <= MAX_WORDS or sentence.rstrip("\"')”’").endswith("?"):
                continue
            hits = len(key_stems.intersection(analyze(sentence)))
            normative = bool(_NORMATIVE.search(sentence))
            score = hits + (1.5 if normative else 0.0) - 0.1 * rank
            options.append((score, _candidate(theme, quote, start, end, normative)))
        options.sort(key=lambda o: (-o[0], o[1].start))
        per_quote.append(options)

    # Round-robin: each quote's best sentence, then each quote's second best, and so on.
    ordered: list[CandidateStatement] = []
    depth = 0
    while any(depth < len(options) for options in per_quote):
        layer = [options[depth] for options in per_quote if depth < len(options)]
        ordered.extend(c for _, c in sorted(layer, key=lambda o: -o[0]))
        depth += 1

    chosen: list[CandidateStatement] = []
    seen: list[set[str]] = []
    for candidate in ordered:
        terms = set(analyze(candidate.text))
        if any(_jaccard(terms, other) >= 0.6 for other in seen):
            continue
        seen.append(terms)
        chosen.append(candidate)
        if len(chosen) >= limit:
            break
    if existing is not None:
        chosen = [replace(c, similar_existing=tuple(existing.query(c.text, limit=3))) for c in chosen]
    return tuple(chosen)


def _candidate(theme: Theme, quote: Quote, start: int, end: int, normative: bool) -> CandidateStatement:
    return CandidateStatement(
        text=quote.text[start:end],
        theme_id=theme.id,
        contribution_id=quote.contribution_id,
        start=quote.start + start,
        end=quote.start + end,
        suggested_kind=StatementKind.PROPOSAL if normative else None,
    )


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0
