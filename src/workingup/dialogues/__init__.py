"""Dialogue definitions shipped as data files (TOML), and the loader that validates them.

A dialogue is content, not code: a facilitator can copy `working_up.toml`, edit it, and load their own with
`load_definition(path)` — every mistake is reported with the file and the entry it is in.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from workingup.domain import (
    Contact,
    DialogueDefinition,
    FocusArea,
    Horizon,
    InquiryArea,
    Milestone,
    Phase,
    Sector,
    SeedStatement,
    StatementKind,
    Story,
    milestone_date,
)
from workingup.errors import UserError

WORKING_UP = "working_up"
APPEALS = ("both", "left", "right", "none")


class DefinitionError(UserError):
    """A dialogue file that cannot be loaded, with where the problem is."""


def load_definition(name_or_path: str | Path = WORKING_UP) -> DialogueDefinition:
    """Load a shipped dialogue by name (e.g. "working_up") or any dialogue TOML file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml":
        source = str(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise DefinitionError(f"{source}: cannot read ({error})") from None
        except tomllib.TOMLDecodeError as error:
            raise DefinitionError(f"{source}: not valid TOML ({error})") from None
    else:
        source = f"{name_or_path}.toml"
        resource = resources.files(__package__).joinpath(source)
        if not resource.is_file():
            raise DefinitionError(f"no shipped dialogue called {str(name_or_path)!r}")
        data = tomllib.loads(resource.read_text(encoding="utf-8"))
    return _parse(data, source)


def _require(entry: dict[str, Any], key: str, where: str) -> Any:
    if key not in entry or entry[key] in ("", None):
        raise DefinitionError(f"{where}: missing {key!r}")
    return entry[key]


def _parse(data: dict[str, Any], source: str) -> DialogueDefinition:
    focus_areas = []
    for i, fa in enumerate(data.get("focus_areas", []), start=1):
        where = f"{source}: focus_areas[{i}]"
        inquiry = tuple(
            InquiryArea(
                key=_require(ia, "key", f"{where}.inquiry_areas[{j}]"), title=_require(ia, "title", where)
            )
            for j, ia in enumerate(fa.get("inquiry_areas", []), start=1)
        )
        focus_areas.append(
            FocusArea(
                key=_require(fa, "key", where),
                title=_require(fa, "title", where),
                description=fa.get("description", ""),
                inquiry_areas=inquiry,
            )
        )
    if not focus_areas:
        raise DefinitionError(f"{source}: a dialogue needs at least one focus area")
    by_key = {fa.key: fa for fa in focus_areas}
    if len(by_key) != len(focus_areas):
        raise DefinitionError(f"{source}: focus area keys must be unique")

    sectors = tuple(
        Sector(
            key=_require(s, "key", f"{source}: sectors[{i}]"),
            label=_require(s, "label", f"{source}: sectors[{i}]"),
            seats=int(s.get("seats", 0)),
        )
        for i, s in enumerate(data.get("sectors", []), start=1)
    )

    statements = []
    for i, st in enumerate(data.get("statements", []), start=1):
        where = f"{source}: statements[{i}]"
        focus = _require(st, "focus_area", where)
        if focus not in by_key:
            raise DefinitionError(f"{where}: unknown focus_area {focus!r} (known: {', '.join(by_key)})")
        inquiry_key = st.get("inquiry_area")
        if inquiry_key is not None and inquiry_key not in {ia.key for ia in by_key[focus].inquiry_areas}:
            raise DefinitionError(f"{where}: inquiry_area {inquiry_key!r} is not in focus area {focus!r}")
        try:
            kind = StatementKind(_require(st, "kind", where))
            horizon = Horizon(st["horizon"]) if "horizon" in st else None
        except ValueError as error:
            raise DefinitionError(f"{where}: {error}") from None
        appeal = st.get("appeal", "both")
        if appeal not in APPEALS:
            raise DefinitionError(f"{where}: appeal must be one of {', '.join(APPEALS)}, not {appeal!r}")
        statements.append(
            SeedStatement(
                text=_require(st, "text", where).strip(),
                focus_area=focus,
                kind=kind,
                inquiry_area=inquiry_key,
                appeal=appeal,
                horizon=horizon,
            )
        )
    texts = [s.text for s in statements]
    if len(set(texts)) != len(texts):
        raise DefinitionError(f"{source}: statements must not repeat")

    return DialogueDefinition(
        slug=_require(data, "slug", source),
        title=_require(data, "title", source),
        description=data.get("description", "").strip(),
        ground_rules=tuple(data.get("ground_rules", ())),
        focus_areas=tuple(focus_areas),
        sectors=sectors,
        statements=tuple(statements),
        story=_story(data.get("story", {}), f"{source}: story"),
    )


def _story(data: dict[str, Any], where: str) -> Story:
    """The optional [story] table: challenge, [[story.timeline]] (phase, date, text), next_steps, supporters,
    [[story.contacts]] (name, detail)."""
    timeline = []
    for i, entry in enumerate(data.get("timeline", []), start=1):
        at = f"{where}.timeline[{i}]"
        try:
            phase = Phase(_require(entry, "phase", at))
            date = milestone_date(str(entry.get("date", "")))
        except ValueError as error:
            raise DefinitionError(f"{at}: {error}") from None
        timeline.append(Milestone(phase, date, str(entry.get("text", "")).strip()))
    if len({m.phase for m in timeline}) != len(timeline):
        raise DefinitionError(f"{where}: each phase appears on the timeline at most once")
    contacts = tuple(
        Contact(_require(c, "name", f"{where}.contacts[{i}]"), str(c.get("detail", "")).strip())
        for i, c in enumerate(data.get("contacts", []), start=1)
    )
    return Story(
        challenge=str(data.get("challenge", "")).strip(),
        timeline=tuple(timeline),
        next_steps=str(data.get("next_steps", "")).strip(),
        supporters=tuple(str(s).strip() for s in data.get("supporters", ()) if str(s).strip()),
        contacts=contacts,
    )
