"""Import listening-session contributions from CSV or plain text, all or nothing.

Two formats, both UTF-8 (a byte-order mark is fine):

* **Plain text** (`.txt`): one contribution per line, verbatim. Blank lines separate nothing and are skipped;
  every other line becomes a contribution with ids 1, 2, 3… in file order and no speaker.
* **CSV** (`.csv`): a header row, then one contribution per row. Columns (names are case-insensitive):
  `text` (required), `speaker` (an anonymous speaker id), `id` (your own unique id; otherwise 1, 2, 3…).
  Rows with every cell blank are skipped like blank lines.
  Any further column is a demographic attribute of the row's speaker ("age band", "works in"…); it needs a
  `speaker` column, and one speaker cannot have two different values for it.

Everything is validated before anything is returned, so a caller that stores the result can promise that a bad
file changes nothing. Each error names the file, the line and the problem (`ContributionFormatError`).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Literal

from workingup.errors import UserError, csv_problem
from workingup.themes.contributions import MAX_CONTRIBUTION_CHARS, Contribution, ContributionFormatError

Format = Literal["csv", "text"]
_SUFFIXES: dict[str, Format] = {".csv": "csv", ".txt": "text", ".text": "text"}
_KNOWN = ("id", "speaker", "text")


def read_contributions(path: str | Path, *, format: Format | None = None) -> list[Contribution]:
    """Read a CSV or plain-text file of contributions; the format follows the suffix unless given."""
    path = Path(path)
    if format is None:
        format = _SUFFIXES.get(path.suffix.lower())
        if format is None:
            raise ContributionFormatError(
                path.name, None, "unknown file type; use a .csv or .txt file (or name the format)"
            )
    if not path.is_file():
        raise ContributionFormatError(path.name, None, "is missing")
    return parse_contributions(path.read_bytes(), format=format, name=path.name)


MAX_ID_CHARS = 200
"""A contribution's own id is stored in 200 characters (and is a label, not text)."""
MAX_SPEAKER_CHARS = 100
"""A speaker is a pseudonym or a first name; the store keeps 100 characters."""


def parse_contributions(data: str | bytes, *, format: Format, name: str = "<input>") -> list[Contribution]:
    """Parse an upload or pasted text; `name` is what error messages call it."""
    text = _decode(data, name)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ContributionFormatError(name, line, "contains a NUL character; is this a binary file?")
    if format == "text":
        contributions = _parse_text(text, name)
    elif format == "csv":
        contributions = _parse_csv(text, name)
    else:
        raise UserError(f"format must be 'csv' or 'text', not {format!r}")
    if not contributions:
        raise ContributionFormatError(name, None, "holds no contributions")
    return contributions


def _decode(data: str | bytes, name: str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ContributionFormatError(
            name, line, f"is not valid UTF-8 (byte 0x{data[error.start]:02x}); save the file as UTF-8"
        ) from None


def _checked_text(name: str, line: int, raw: str) -> str:
    text = raw.strip()
    if not text:
        raise ContributionFormatError(name, line, "has no text; remove the row or fill it in")
    if len(text) > MAX_CONTRIBUTION_CHARS:
        raise ContributionFormatError(
            name,
            line,
            f"text has {len(text)} characters, at most {MAX_CONTRIBUTION_CHARS}: "
            "is this one contribution, or several run together?",
        )
    return text


def _parse_text(text: str, name: str) -> list[Contribution]:
    contributions: list[Contribution] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            body = _checked_text(name, number, raw)
            contributions.append(Contribution(id=len(contributions) + 1, text=body, line=number))
    return contributions


def _parse_csv(text: str, name: str) -> list[Contribution]:
    if not text.strip():
        raise ContributionFormatError(name, None, "is empty (no header row)")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as error:
        raise ContributionFormatError(name, 1, f"unreadable header: {csv_problem(error)}") from None
    keys = [h.lower() for h in header]
    if "text" not in keys:
        raise ContributionFormatError(
            name, 1, f"missing column 'text' (found: {', '.join(repr(h) for h in header)})"
        )
    if "" in keys:
        raise ContributionFormatError(name, 1, f"column {keys.index('') + 1} has no name")
    duplicated = sorted({h for h in keys if keys.count(h) > 1})
    if duplicated:
        raise ContributionFormatError(name, 1, f"duplicate column {', '.join(repr(d) for d in duplicated)}")
    col = {k: i for i, k in enumerate(keys)}
    attribute_cols = [(i, header[i]) for i, k in enumerate(keys) if k not in _KNOWN]
    if attribute_cols and "speaker" not in col:
        raise ContributionFormatError(
            name,
            1,
            f"column {attribute_cols[0][1]!r} would describe a speaker, but there is no 'speaker' column "
            f"(known columns: {', '.join(_KNOWN)})",
        )

    rows: list[tuple[int, list[str]]] = []
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise ContributionFormatError(name, start, csv_problem(error)) from None
        if row and any(cell.strip() for cell in row):
            if len(row) != len(header):
                raise ContributionFormatError(name, start, f"has {len(row)} fields, expected {len(header)}")
            rows.append((start, row))
        start = reader.line_num + 1

    seen_ids: dict[str, int] = {}
    profiles: dict[str, dict[str, tuple[str, int]]] = {}
    parsed: list[tuple[int, str | None, str | None, str, list[tuple[str, str]]]] = []
    for line, row in rows:
        body = _checked_text(name, line, row[col["text"]])
        own_id = None
        if "id" in col:
            own_id = row[col["id"]].strip()
            if not own_id:
                raise ContributionFormatError(name, line, "has an empty id")
            if len(own_id) > MAX_ID_CHARS:
                raise ContributionFormatError(
                    name, line, f"id has {len(own_id)} characters, at most {MAX_ID_CHARS}"
                )
            if own_id in seen_ids:
                raise ContributionFormatError(
                    name, line, f"duplicate id {own_id!r} (first on line {seen_ids[own_id]})"
                )
            seen_ids[own_id] = line
        speaker = row[col["speaker"]].strip() or None if "speaker" in col else None
        if speaker is not None and len(speaker) > MAX_SPEAKER_CHARS:
            raise ContributionFormatError(
                name, line, f"speaker has {len(speaker)} characters, at most {MAX_SPEAKER_CHARS}"
            )
        attributes = [(label, row[i].strip()) for i, label in attribute_cols if row[i].strip()]
        if attributes and speaker is None:
            raise ContributionFormatError(name, line, "gives demographics but no speaker")
        if speaker is not None:
            profile = profiles.setdefault(speaker, {})
            for label, value in attributes:
                known = profile.setdefault(label, (value, line))
                if known[0] != value:
                    raise ContributionFormatError(
                        name,
                        line,
                        f"speaker {speaker!r} has {label!r} {value!r} here but {known[0]!r} on line {known[1]}",
                    )
        parsed.append((line, own_id, speaker, body, attributes))

    contributions = []
    for number, (line, own_id, speaker, body, _) in enumerate(parsed, start=1):
        # Every contribution carries its speaker's full profile, merged over all of that speaker's rows.
        profile = profiles.get(speaker, {}) if speaker is not None else {}
        merged = tuple((label, value) for label, (value, _) in profile.items())
        contributions.append(
            Contribution(
                id=own_id if own_id is not None else number,
                text=body,
                speaker=speaker,
                attributes=merged,
                line=line,
            )
        )
    return contributions
