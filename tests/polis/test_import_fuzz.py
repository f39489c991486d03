"""Fuzzing the Pol.is importer: a mangled export loads completely or is refused with a located message, and a
refusal leaves every table exactly as it was.

The examples start from a real export read in place (the smallest shared conversation) and damage it the ways
files get damaged: truncated, re-encoded, a cell replaced by a bad number, a huge field or markup, a line
duplicated, a file missing, random bytes spliced in.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import POLIS
from tests.fuzz import fuzz_settings, row_counts
from workingup.domain import InputFormatError
from workingup.runtime.database import Database
from workingup.services.polis_io import import_polis

SOURCE = POLIS / "london.youth.policing"
FILES = ("comments.csv", "votes.csv", "participants-votes.csv", "summary.csv")
NASTY_CELLS = (
    "",
    "-",
    "1e309",
    "99999999999999999999999",
    "-99999999999999999999999",
    "9223372036854775808",
    "2147483648",
    "253402300800000",
    "NaN",
    "0x1F",
    " 7 ",
    "1.5",
    "<script>alert(1)</script>",
    "'; DROP TABLE vote;--",
    '"',
    "x" * 5000,
    "\u202e\u200b",
    "\x00",
)
LOCATED = re.compile(r"^(comments|votes|participants-votes|summary)\.csv( line \d+)?: \S|is not a folder")

_counter = itertools.count()


def _mutations() -> st.SearchStrategy[tuple[str, str, int, str]]:
    return st.tuples(
        st.sampled_from(FILES),
        st.sampled_from(
            ("keep", "truncate", "cell", "cell", "cell", "duplicate", "encoding", "splice", "delete", "bom")
        ),
        st.integers(min_value=0, max_value=40) | st.integers(min_value=0, max_value=10**6),
        st.sampled_from(NASTY_CELLS) | st.text(max_size=40) | st.integers().map(str),
    )


def _mutate(data: bytes, how: str, where: int, value: str) -> bytes | None:
    if how == "keep":
        return data
    if how == "delete":
        return None
    if how == "truncate":
        return data[: where % (len(data) + 1)]
    if how == "bom":
        return b"\xef\xbb\xbf" + data
    if how == "encoding":
        text = data.decode("utf-8", "replace")
        return text.encode(("utf-16", "latin-1", "cp1252")[where % 3], errors="replace")
    lines = data.split(b"\n")
    line = where % len(lines)
    if how == "duplicate":
        lines.insert(line, lines[line])
        return b"\n".join(lines)
    if how == "splice":
        at = where % (len(data) + 1)
        return data[:at] + value.encode("utf-8", "surrogatepass")[:20] + bytes([where % 256]) + data[at:]
    cells = lines[line].split(b",")  # "cell": replace one comma-separated field
    cells[(where // 3) % len(cells)] = value.encode("utf-8", "surrogatepass")
    lines[line] = b",".join(cells)
    return b"\n".join(lines)


@pytest.mark.skipif(not SOURCE.is_dir(), reason="shared Pol.is data not found")
def test_a_damaged_export_imports_whole_or_not_at_all(database: Database, tmp_path: Path) -> None:
    originals = {name: (SOURCE / name).read_bytes() for name in FILES}

    @fuzz_settings(default=12)
    @given(damage=st.lists(_mutations(), min_size=1, max_size=3))
    def run(damage: list[tuple[str, str, int, str]]) -> None:
        folder = tmp_path / f"export-{next(_counter)}"
        folder.mkdir()
        files: dict[str, bytes | None] = dict(originals)
        for name, how, where, value in damage:
            current = files[name]
            files[name] = None if current is None else _mutate(current, how, where, value)
        for name, data in files.items():
            if data is not None:
                (folder / name).write_bytes(data)
        with database.sessions() as session:
            before = row_counts(session)
        slug = f"fuzz-{folder.name}"
        refusal: InputFormatError | None = None
        try:
            with database.transaction() as session:
                summary = import_polis(session, folder, slug=slug)
        except InputFormatError as error:
            refusal = error
        if refusal is not None:
            assert LOCATED.search(str(refusal)), f"not located: {refusal}"
            with database.sessions() as session:
                assert row_counts(session) == before
        else:
            with database.sessions() as session:
                after = row_counts(session)
            assert after["dialogue"] == before["dialogue"] + 1
            assert after["statement"] - before["statement"] == summary.statements
            assert after["participant"] - before["participant"] == summary.participants

    run()
