"""Pol.is import and export through the store: lossless round trips, and bad input that changes nothing."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import polis_conversations
from workingup.polis import PolisFormatError
from workingup.runtime.database import Database
from workingup.services.dialogues import get_dialogue
from workingup.services.errors import Conflict
from workingup.services.polis_io import export_polis, import_polis
from workingup.store.models import Base


def row_counts(database: Database) -> dict[str, int]:
    with database.sessions() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def _cells(path: Path) -> dict[tuple[str, str], str]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    columns = [i for i, h in enumerate(header) if h.isdigit()]
    return {(r[0], header[i]): r[i] for r in rows[1:] for i in columns if r[i] != ""}


def _comments(path: Path) -> dict[str, tuple[str, str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            r["comment-id"]: (r["comment-body"], r["moderated"], r["author-id"])
            for r in csv.DictReader(handle)
        }


@pytest.mark.slow
@pytest.mark.parametrize("name", polis_conversations())
def test_round_trip_reproduces_matrix_and_comments(
    database: Database, polis_root: Path, tmp_path: Path, name: str
) -> None:
    source = polis_root / name
    with database.transaction() as session:
        summary = import_polis(session, source)
    with database.sessions() as session:
        export_polis(session, get_dialogue(session, summary.slug), tmp_path)
    assert _cells(tmp_path / "participants-votes.csv") == _cells(source / "participants-votes.csv")
    assert _comments(tmp_path / "comments.csv") == _comments(source / "comments.csv")
    with (
        (source / "participants-votes.csv").open(encoding="utf-8") as a,
        (tmp_path / "participants-votes.csv").open(encoding="utf-8") as b,
    ):
        groups = lambda handle: {r["participant"]: r["group-id"] for r in csv.DictReader(handle)}  # noqa: E731
        assert groups(a) == groups(b)


def test_export_of_native_dialogue_reimports_identically(database: Database, tmp_path: Path) -> None:
    from workingup.dialogues import load_definition
    from workingup.services.demo import populate_demo
    from workingup.services.dialogues import install_definition

    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        populate_demo(session, dialogue, public=40, seed=3)
    with database.sessions() as session:
        export_polis(session, get_dialogue(session, "working-up"), tmp_path / "first")
    with database.transaction() as session:
        import_polis(session, tmp_path / "first", slug="again")
    with database.sessions() as session:
        export_polis(session, get_dialogue(session, "again"), tmp_path / "second")
    assert _cells(tmp_path / "first" / "participants-votes.csv") == _cells(
        tmp_path / "second" / "participants-votes.csv"
    )
    assert _comments(tmp_path / "first" / "comments.csv") == _comments(tmp_path / "second" / "comments.csv")
    first = (tmp_path / "first" / "votes.csv").read_text().splitlines()
    assert first == (tmp_path / "second" / "votes.csv").read_text().splitlines()


def test_importing_the_same_slug_twice_is_a_conflict(database: Database, polis_root: Path) -> None:
    with database.transaction() as session:
        import_polis(session, polis_root / "london.youth.policing")
    before = row_counts(database)
    with pytest.raises(Conflict, match="already exists"), database.transaction() as session:
        import_polis(session, polis_root / "london.youth.policing")
    assert row_counts(database) == before


GOOD = "london.youth.policing"


def _broken(polis_root: Path, tmp_path: Path, file: str, edit) -> Path:
    folder = tmp_path / "broken"
    shutil.copytree(polis_root / GOOD, folder)
    path = folder / file
    path.write_bytes(edit(path.read_bytes()))
    return folder


def _replace_line(number: int, new: bytes):
    def edit(data: bytes) -> bytes:
        lines = data.split(b"\n")
        lines[number - 1] = new
        return b"\n".join(lines)

    return edit


BAD_INPUTS = {
    "missing column": (
        "votes.csv",
        lambda d: d.replace(b"voter-id", b"voter", 1),
        "votes.csv line 1: missing column 'voter-id'",
    ),
    "unknown comment": (
        "votes.csv",
        lambda d: d + b"1655000000000,Sun,999,1,1\n",
        "votes.csv line 642: comment-id 999 is not in comments.csv",
    ),
    "vote out of range": (
        "votes.csv",
        _replace_line(3, b"1655000000000,Sun,1,1,7"),
        "votes.csv line 3: vote must be -1, 0 or 1, not 7",
    ),
    "non-numeric": (
        "votes.csv",
        _replace_line(3, b"1655000000000,Sun,1,abc,1"),
        "votes.csv line 3: column 'voter-id' must be a whole number",
    ),
    "truncated last line": (
        "votes.csv",
        lambda d: d + b"1655000000000,Sun,1",
        "votes.csv line 642: has 3 fields, expected 5; the file looks truncated",
    ),
    "duplicate comment id": (
        "comments.csv",
        lambda d: d + d.split(b"\n")[1] + b"\n",
        "comments.csv line 41: duplicate comment-id",
    ),
    "empty file": ("comments.csv", lambda d: b"", "comments.csv: is empty"),
    "over-long field": (  # a quotation mark left open: the rest of the file becomes one field
        "votes.csv",
        lambda d: d + b'1655000000000,"Sun,1,1,1\n' + b"1655000000000,Sun,1,1,1\n" * 6000,
        "votes.csv line 642: malformed CSV (field larger than field limit (131072)): a field runs past 131,072 "
        "characters; is a quotation mark left open, so that the rest of the file reads as one field?",
    ),
    "wrong encoding": (
        "comments.csv",
        lambda d: d.replace(b"police", "polic\u00e9".encode("latin-1"), 1),
        "comments.csv line",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gives_clear_error_and_changes_nothing(
    database: Database, polis_root: Path, tmp_path: Path, case: str
) -> None:
    with database.transaction() as session:
        import_polis(session, polis_root / "15-per-hour-seattle")
    before = row_counts(database)
    file, edit, message = BAD_INPUTS[case]
    folder = _broken(polis_root, tmp_path, file, edit)
    with pytest.raises(PolisFormatError) as caught, database.transaction() as session:
        import_polis(session, folder)
    assert str(caught.value).startswith(message)
    assert row_counts(database) == before


def test_failure_after_writing_started_rolls_everything_back(
    database: Database, polis_root: Path, monkeypatch
) -> None:
    """A failure in the middle of the writes (here: the vote insert) leaves no dialogue, participant or statement."""
    import workingup.services.polis_io as polis_io

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    before = row_counts(database)
    monkeypatch.setattr(polis_io, "insert_vote_events", explode)
    with pytest.raises(RuntimeError, match="disk full"), database.transaction() as session:
        import_polis(session, polis_root / GOOD)
    assert row_counts(database) == before


# --- the staged import (`workingup import-polis`): short transactions, a hidden dialogue, one switch -------------


def test_a_staged_import_equals_the_one_transaction_import(
    database: Database, polis_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workingup.services.polis_io as polis_io

    monkeypatch.setattr(polis_io, "STAGED_VOTES", 97)  # many batches even for a small export
    monkeypatch.setattr(polis_io, "STAGED_PEOPLE", 13)
    with database.transaction() as session:
        import_polis(session, polis_root / GOOD, slug="at-once")
    staged = polis_io.import_polis_staged(database.transaction, polis_root / GOOD, slug="staged")
    assert staged.vote_events > 97 * 3
    for slug in ("at-once", "staged"):
        with database.sessions() as session:
            export_polis(session, get_dialogue(session, slug), tmp_path / slug)
    assert _cells(tmp_path / "staged" / "participants-votes.csv") == _cells(
        tmp_path / "at-once" / "participants-votes.csv"
    )
    assert (tmp_path / "staged" / "votes.csv").read_text() == (tmp_path / "at-once" / "votes.csv").read_text()


def test_a_staged_import_is_invisible_until_its_last_transaction(
    database: Database, polis_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workingup.services.polis_io as polis_io
    from workingup.services.dialogues import list_dialogues
    from workingup.services.errors import NotFound

    monkeypatch.setattr(polis_io, "STAGED_VOTES", 97)
    seen: list[list[str]] = []

    def look(_task: str, _done: int, _total: int) -> None:
        with database.sessions() as session:  # another connection, as the server's would be
            seen.append([d.slug for d in list_dialogues(session)])
            with pytest.raises(NotFound):
                get_dialogue(session, "staged")

    polis_io.import_polis_staged(database.transaction, polis_root / GOOD, slug="staged", progress=look)
    assert len(seen) > 3
    assert all(slugs == [] for slugs in seen)
    with database.sessions() as session:
        assert [d.slug for d in list_dialogues(session)] == ["staged"]


@pytest.mark.parametrize("failing", ["insert_vote_events", "refresh_current_votes"])
def test_a_staged_import_that_fails_leaves_no_trace(
    database: Database, polis_root: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """A failure after several batches were committed removes them all (the user sees all or nothing)."""
    import workingup.services.polis_io as polis_io

    with database.transaction() as session:
        import_polis(session, polis_root / "15-per-hour-seattle")
    before = row_counts(database)
    monkeypatch.setattr(polis_io, "STAGED_VOTES", 97)
    monkeypatch.setattr(polis_io, "STAGED_PEOPLE", 13)
    real = getattr(polis_io, failing)
    calls = []

    def fails_on_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(polis_io, failing, fails_on_the_third)
    with pytest.raises(RuntimeError, match="disk full"):
        polis_io.import_polis_staged(database.transaction, polis_root / GOOD)
    assert len(calls) == 3
    assert row_counts(database) == before


def test_a_staged_import_refuses_a_taken_slug_before_writing(database: Database, polis_root: Path) -> None:
    import workingup.services.polis_io as polis_io

    with database.transaction() as session:
        import_polis(session, polis_root / "15-per-hour-seattle", slug="taken")
    before = row_counts(database)
    with pytest.raises(Conflict, match="already exists"):
        polis_io.import_polis_staged(database.transaction, polis_root / GOOD, slug="taken")
    assert row_counts(database) == before
