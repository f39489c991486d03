"""Listening sessions: free text from the people a dialogue is about, turned into themes, offline.

Pure library (no database, no web): the store persists what these functions return, services compose them.
Every quote and candidate statement is a verbatim span of a contribution, located by (start, end), so a
facilitator can check it; every result is deterministic for a given `random_state`.

Capture and import
    ``Contribution(id, text, speaker=None, attributes=(), line=None)``, ``ListeningSession(held_on, place,
    facilitator, consent_recorded, demographics=(), notes="", contributions=())``.
    ``read_contributions(path, *, format=None) -> list[Contribution]`` reads ``.csv`` (header with ``text``;
    optional ``id``, ``speaker``; other columns are the speaker's demographics) or ``.txt`` (one contribution
    per non-blank line). ``parse_contributions(data, *, format, name)`` does the same for an upload. All or
    nothing: any problem raises ``ContributionFormatError(file, line, problem)``, like ``PolisFormatError``.

Themes
    ``find_themes(contributions, *, method="tfidf", n_themes=None, min_size=None, random_state=0)
    -> ThemeResult``. ``ThemeResult.themes`` (largest first) are ``Theme(id, label, key_terms, members,
    quotes, cohesion)`` with ``size``; ``quotes`` are up to 5 ``Quote(contribution_id, text, start, end,
    speaker)`` from different people where possible (3 at least, unless a theme repeats the same words); ``ThemeResult.other`` lists contributions that fit no theme; ``coverage``, ``assignments()``,
    ``unverified_quotes(contributions)`` (should be empty), ``to_json()`` / ``ThemeResult.from_json()``.
    ``themes_from_groups(contributions, groups)`` labels and quotes groups made by hand (a facilitator moving a
    contribution to another theme). Methods: ``"tfidf"`` (default, core dependencies) and ``"minilm"``
    (sentence embeddings, optional extra ``.[embeddings]``; ``embeddings_available()``, ``available_methods()``,
    ``preferred_method()`` — "minilm" when installed: services should pass it and keep ``result.method``).

Into the dialogue
    ``candidate_statements(theme, *, limit=5, existing=None) -> tuple[CandidateStatement, ...]``: sentences
    of the theme's quotes (``text``, ``theme_id``, ``contribution_id``, ``start``, ``end``,
    ``suggested_kind``: PROPOSAL for "should"-type sentences, else None), each with ``similar_existing``
    matches when an ``existing`` NearDuplicateIndex of the dialogue's statements is given.
    ``map_to_focus_areas(result, definition, *, method="tfidf") -> tuple[FocusAreaMatch, ...]``: for each
    theme, ``FocusAreaMatch(theme_id, focus_area, inquiry_area, score, focus_scores, inquiry_scores)`` against a
    ``workingup.domain.DialogueDefinition`` (keys or None when nothing fits; all scores kept for a page).
    Every result type has ``to_dict()``.

Near-duplicates
    ``NearDuplicateIndex(texts, *, ids=None, method="tfidf", threshold=None)``; ``.query(text, limit=5)
    -> list[DuplicateMatch(index, id, text, similarity)]``, ``.is_duplicate(text)``, ``.pairs()`` (duplicates
    among the indexed texts themselves), ``.similarities(texts)``, ``.extended(texts, ids=...)`` (a new index
    with more statements). Default thresholds: 0.20 (tfidf), 0.70 (minilm); pass ``threshold=`` to flag less.

Sample
    ``sample_session()`` / ``sample_contributions()``: 204 illustrative contributions for the Working Up
    dialogue (written for this project; no real person said them; ``ILLUSTRATIVE_NOTE``).
"""

from typing import TYPE_CHECKING

from workingup.lazy import lazy_exports

if TYPE_CHECKING:
    from workingup.themes.contributions import (
        Contribution,
        ContributionFormatError,
        ContributionId,
        ListeningSession,
    )
    from workingup.themes.duplicates import DuplicateMatch, NearDuplicateIndex
    from workingup.themes.find import find_themes, themes_from_groups
    from workingup.themes.focus import FocusAreaMatch, map_to_focus_areas
    from workingup.themes.methods import (
        EmbeddingsUnavailableError,
        Method,
        available_methods,
        embeddings_available,
        preferred_method,
    )
    from workingup.themes.read import parse_contributions, read_contributions
    from workingup.themes.result import Quote, Theme, ThemeResult
    from workingup.themes.sample import ILLUSTRATIVE_NOTE, sample_contributions, sample_session
    from workingup.themes.statements import CandidateStatement, candidate_statements

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "contributions": (
            "Contribution",
            "ContributionFormatError",
            "ContributionId",
            "ListeningSession",
        ),
        "duplicates": (
            "DuplicateMatch",
            "NearDuplicateIndex",
        ),
        "methods": (
            "EmbeddingsUnavailableError",
            "Method",
            "available_methods",
            "embeddings_available",
            "preferred_method",
        ),
        "find": (
            "find_themes",
            "themes_from_groups",
        ),
        "focus": (
            "FocusAreaMatch",
            "map_to_focus_areas",
        ),
        "read": (
            "parse_contributions",
            "read_contributions",
        ),
        "result": (
            "Quote",
            "Theme",
            "ThemeResult",
        ),
        "sample": (
            "ILLUSTRATIVE_NOTE",
            "sample_contributions",
            "sample_session",
        ),
        "statements": (
            "CandidateStatement",
            "candidate_statements",
        ),
    },
)

__all__ = [
    "ILLUSTRATIVE_NOTE",
    "CandidateStatement",
    "Contribution",
    "ContributionFormatError",
    "ContributionId",
    "DuplicateMatch",
    "EmbeddingsUnavailableError",
    "FocusAreaMatch",
    "ListeningSession",
    "Method",
    "NearDuplicateIndex",
    "Quote",
    "Theme",
    "ThemeResult",
    "available_methods",
    "candidate_statements",
    "embeddings_available",
    "find_themes",
    "map_to_focus_areas",
    "parse_contributions",
    "preferred_method",
    "read_contributions",
    "sample_contributions",
    "sample_session",
    "themes_from_groups",
]
