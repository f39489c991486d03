"""Fuzzing the listening-session import: any bytes, as CSV or as text, are stored whole or refused with a located
`InputFormatError`, and a refusal leaves every table as it was.

Examples are the shipped sample damaged (truncated, re-encoded, cells replaced, lines duplicated) or plain
generated text with control characters, markup and very long fields.
"""

from __future__ import annotations

import re
from datetime import date
from importlib import resources

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import fuzz_settings, row_counts
from workingup.dialogues import load_definition
from workingup.domain import InputFormatError
from workingup.runtime.database import Database
from workingup.services import listening
from workingup.services.dialogues import install_definition
from workingup.services.errors import ServiceError
from workingup.store.listening import ListeningSessionRow
from workingup.themes import parse_contributions

SAMPLE = resources.files("workingup.themes").joinpath("data", "listening_sample.csv").read_bytes()
HEAD = b"\n".join(SAMPLE.split(b"\n")[:25]) + b"\n"
NASTY = st.sampled_from(
    [
        "",
        '"',
        "<script>alert(1)</script>",
        "'; DROP TABLE contribution;--",
        "x" * 300,
        "s" * 101,
        "i" * 201,
        "\x00",
        "\ufeff",
        "\r",
    ]
)
LOCATED = re.compile(r"^upload\.(csv|txt)( line \d+)?: \S")


@st.composite
def uploads(draw: st.DrawFn) -> tuple[bytes, str]:
    fmt = draw(st.sampled_from(["csv", "text"]))
    if draw(st.booleans()):
        data = HEAD
        for _ in range(draw(st.integers(1, 3))):
            how = draw(st.sampled_from(["truncate", "cell", "duplicate", "encode", "splice"]))
            lines = data.split(b"\n")
            at = draw(st.integers(0, max(len(lines) - 1, 0)))
            if how == "truncate":
                data = data[: draw(st.integers(0, len(data)))]
            elif how == "duplicate":
                lines.insert(at, lines[at])
                data = b"\n".join(lines)
            elif how == "encode":
                data = data.decode("utf-8", "replace").encode(
                    draw(st.sampled_from(["utf-16", "latin-1"])), "replace"
                )
            elif how == "splice":
                data = data[:at] + draw(st.binary(max_size=8)) + data[at:]
            else:
                cells = lines[at].split(b",")
                value = draw(NASTY | st.text(max_size=30))
                cells[draw(st.integers(0, len(cells) - 1))] = value.encode("utf-8", "surrogatepass")
                lines[at] = b",".join(cells)
                data = b"\n".join(lines)
    else:
        header = "id,speaker,text\n" if fmt == "csv" and draw(st.booleans()) else ""
        lines = draw(st.lists(NASTY | st.text(max_size=300), min_size=1, max_size=6))
        data = (header + "\n".join(lines)).encode("utf-8", "surrogatepass")
    return data, fmt


def test_a_listening_upload_is_stored_whole_or_refused(database: Database) -> None:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        row = listening.create_session(
            session,
            dialogue,
            held_on=date(2017, 3, 2),
            place="Hall",
            facilitator="Ana",
            consent_recorded=True,
        )
        session_id = row.id

    @fuzz_settings(default=25)
    @given(upload=uploads())
    def run(upload: tuple[bytes, str]) -> None:
        data, fmt = upload
        name = "upload.csv" if fmt == "csv" else "upload.txt"
        with database.sessions() as session:
            before = row_counts(session)
        refusal: Exception | None = None
        try:
            with database.transaction() as session:
                contributions = parse_contributions(data, format=fmt, name=name)  # type: ignore[arg-type]
                listening.add_contributions(
                    session, session.get_one(ListeningSessionRow, session_id), contributions
                )
        except (InputFormatError, ServiceError) as error:
            refusal = error
        if isinstance(refusal, InputFormatError):
            assert LOCATED.search(str(refusal)), f"not located: {refusal}"
        elif refusal is not None:  # a second upload into the same session clashes on ids
            assert "already has contributions" in str(refusal)
        with database.sessions() as session:
            after = row_counts(session)
        if refusal is not None:
            assert after == before
        else:
            assert after["contribution"] == before["contribution"] + len(contributions)

    run()
