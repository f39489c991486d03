"""The block reader of votes.csv and participants-votes.csv (polis/blocks.py): the pyarrow path and the csv-module
path give the same votes and the same located errors, whatever the block boundaries.

Most tests read each file twice: with the normal block size (one block: pyarrow when the block is plainly sound)
and with blocks of a few bytes (many blocks, boundaries inside rows and quoted fields, most of them read by the
csv module), and require identical outcomes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workingup.polis.blocks as blocks
from workingup.polis import PolisFormatError, read_polis
from workingup.polis.blocks import plainly_well_formed

COMMENTS = (
    "timestamp,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
    "100,0,0,1,0,1,First statement\n"
    '200,1,1,0,1,-1,"Second, with a comma"\n'
    "300,2,1,0,0,0,Third\n"
)
HEADER = "timestamp,datetime,comment-id,voter-id,vote\n"
ROWS = "".join(f"{1000 + i},Wed Jun 18 08:16:54 WIB 2014,{i % 3},{i % 5},{(i % 3) - 1}\n" for i in range(40))
PV = (
    "participant,xid,group-id,n-comments,n-votes,n-agree,n-disagree,0,1,2\n"
    "0,,0,0,3,1,1,-1,1,0\n"
    "1,abc,1,0,1,0,0,,,1\n"
    "2,,,0,0,0,0,,,\n"
)


def _outcome(folder: Path) -> tuple[object, ...]:
    try:
        c = read_polis(folder)
    except PolisFormatError as error:
        return ("error", str(error))
    return (
        "ok",
        c.vote_participant.tolist(),
        c.vote_comment.tolist(),
        c.vote_value.tolist(),
        c.vote_timestamp_ms.tolist(),
        [(p.participant_id, p.xid, p.group_id) for p in c.participants],
        c.warnings,
    )


def _both_ways(folder: Path, monkeypatch: pytest.MonkeyPatch, small: int = 7) -> tuple[object, ...]:
    """The outcome with one block and with blocks of `small` bytes; they must be the same."""
    whole = _outcome(folder)
    with monkeypatch.context() as patch:
        patch.setattr(blocks, "BLOCK_BYTES", small)
        pieces = _outcome(folder)
    assert pieces == whole
    return whole


def _write(folder: Path, votes: str | bytes | None = None, pv: str | bytes | None = None) -> Path:
    (folder / "comments.csv").write_text(COMMENTS, encoding="utf-8")
    for name, content in (("votes.csv", votes), ("participants-votes.csv", pv)):
        target = folder / name
        if content is None:
            target.unlink(missing_ok=True)
        else:
            target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return folder


def test_a_sound_file_reads_the_same_in_one_block_or_many(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcome = _both_ways(_write(tmp_path, HEADER + ROWS), monkeypatch)
    assert outcome[0] == "ok"
    assert outcome[1] == [i % 5 for i in range(40)]
    assert outcome[3] == [(i % 3) - 1 for i in range(40)]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1040,x,7,1,1", "votes.csv line 42: comment-id 7 is not in comments.csv"),
        ("1040,x,1,1,2", "votes.csv line 42: vote must be -1, 0 or 1, not 2"),
        ("1040,x,1,one,1", "votes.csv line 42: column 'voter-id' must be a whole number, not 'one'"),
        ("1040,x,0x1,1,1", "votes.csv line 42: column 'comment-id' must be a whole number, not '0x1'"),
        ("1040,x,1.0,1,1", "votes.csv line 42: column 'comment-id' must be a whole number, not '1.0'"),
        ("1040,x,,1,1", "votes.csv line 42: column 'comment-id' must be a whole number, not ''"),
        ("1040,x,1,1,1,9", "votes.csv line 42: has 6 fields, expected 5"),
        ("99999999999999999999,x,1,1,1", "votes.csv line 42: column 'timestamp' is out of range"),
        ("253402300800000,x,1,1,1", "votes.csv line 42: column 'timestamp' is out of range"),
        ('1040,"x,1,1,1', "votes.csv line 42: malformed CSV (unexpected end of data)"),
        ('1040,"x"y,1,1,1', "votes.csv line 42: malformed CSV (',' expected after '\"')"),
    ],
)
def test_a_bad_row_is_named_by_its_line_on_either_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, row: str, message: str
) -> None:
    outcome = _both_ways(_write(tmp_path, HEADER + ROWS + row + "\n" + ROWS), monkeypatch)
    assert outcome[0] == "error"
    assert str(outcome[1]).startswith(message), outcome


def test_a_truncated_last_row_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outcome = _both_ways(_write(tmp_path, HEADER + ROWS + "1040,x,1"), monkeypatch)
    assert outcome == ("error", "votes.csv line 42: has 3 fields, expected 5; the file looks truncated")


def test_the_first_bad_line_wins_even_across_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    votes = HEADER + ROWS + "1,x,1,1,5\n" + ROWS + "1,x,9,1,1\n"
    assert (
        _both_ways(_write(tmp_path, votes), monkeypatch)[1]
        == "votes.csv line 42: vote must be -1, 0 or 1, not 5"
    )


def test_an_encoding_error_anywhere_wins_over_a_bad_value_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As when the whole file was decoded first: the encoding is judged before any row."""
    votes = (HEADER + "1,x,1,1,5\n" + ROWS).encode() + b"1,caf\xe9,1,1,1\n"
    outcome = _both_ways(_write(tmp_path, votes), monkeypatch)
    assert outcome == ("error", "votes.csv line 43: is not valid UTF-8 (byte 0xe9); save the file as UTF-8")


def test_an_encoding_error_after_a_byte_order_mark_names_the_right_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    votes = b"\xef\xbb\xbf" + (HEADER + ROWS).encode() + b"1,\xff,1,1,1\n"
    outcome = _both_ways(_write(tmp_path, votes), monkeypatch)
    assert outcome == ("error", "votes.csv line 42: is not valid UTF-8 (byte 0xff); save the file as UTF-8")


def test_byte_order_mark_windows_line_ends_quotes_and_padding_are_read_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = _both_ways(_write(tmp_path, HEADER + ROWS), monkeypatch)
    windows = _both_ways(_write(tmp_path, ("\ufeff" + HEADER + ROWS).replace("\n", "\r\n")), monkeypatch)
    quoted_rows = "".join(
        f'"{1000 + i}","Wed, Jun 18\n2014", {i % 3} ,+{i % 5},"{(i % 3) - 1}"\n' for i in range(40)
    )
    quoted = _both_ways(_write(tmp_path, HEADER + quoted_rows), monkeypatch)
    blank_lines = _both_ways(_write(tmp_path, HEADER + ROWS.replace("\n", "\n\n")), monkeypatch)
    assert plain == windows == quoted == blank_lines


def test_a_header_only_file_has_no_votes_and_an_empty_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _both_ways(_write(tmp_path, HEADER), monkeypatch)[1] == []
    assert _both_ways(_write(tmp_path, " \r\n\n"), monkeypatch) == (
        "error",
        "votes.csv: is empty (no header row)",
    )
    assert _both_ways(_write(tmp_path, "\ufeff"), monkeypatch) == (
        "error",
        "votes.csv: is empty (no header row)",
    )


def test_participant_votes_read_alike_and_refused_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok = _both_ways(_write(tmp_path, pv=PV), monkeypatch)
    assert ok[0] == "ok"
    assert list(zip(ok[1], ok[2], ok[3], strict=True)) == [(0, 0, -1), (0, 1, 1), (0, 2, 0), (1, 2, 1)]
    assert ok[5] == [(0, None, 0), (1, "abc", 1), (2, None, None)]
    # The csv module's rules for cells: "1.0" and " 1 " are votes, "01" and "+1" are not.
    padded = _both_ways(_write(tmp_path, pv=PV.replace("-1,1,0\n", "-1.0, 1 ,0.0\n")), monkeypatch)
    assert padded[1:4] == ok[1:4]
    for cell in ("01", "+1", "-0", "2", "0x1", "yes"):
        bad = _both_ways(_write(tmp_path, pv=PV.replace(",,,1\n", f",,{cell},1\n")), monkeypatch)
        assert bad == (
            "error",
            f"participants-votes.csv line 3: vote for comment 1 must be -1, 0, 1 or empty, not {cell!r}",
        )
    duplicate = _both_ways(_write(tmp_path, pv=PV + "1,,,0,0,0,0,,,\n"), monkeypatch)
    assert duplicate == ("error", "participants-votes.csv line 5: duplicate participant 1 (first on line 3)")
    long_xid = _both_ways(_write(tmp_path, pv=PV.replace("abc", "x" * 201)), monkeypatch)
    assert long_xid == ("error", "participants-votes.csv line 3: xid has 201 characters, at most 200")
    group = _both_ways(_write(tmp_path, pv=PV.replace("1,abc,1,", "1,abc,2147483648,")), monkeypatch)
    assert str(group[1]).startswith("participants-votes.csv line 3: column 'group-id' is out of range")


def test_the_final_vote_comparison_counts_differing_cells(tmp_path: Path) -> None:
    votes = (
        HEADER + "1,x,0,0,-1\n2,x,1,0,1\n3,x,2,0,0\n4,x,2,1,1\n5,x,0,0,1\n"
    )  # participant 0 changed to agree
    conversation = read_polis(_write(tmp_path, votes, PV))
    # 0/0: 1 vs -1 (2 cells), 1/2 agrees; participant 1 has no vote on 0 or 1 either way.
    assert conversation.warnings == (
        "votes.csv and participants-votes.csv disagree on 2 cells; votes.csv was used",
    )


def test_progress_reports_every_byte_of_the_large_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _write(tmp_path, HEADER + ROWS, PV)
    seen: dict[str, list[tuple[int, int]]] = {}
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 100)
    read_polis(
        folder, progress=lambda task, advance, total: seen.setdefault(task, []).append((advance, total))
    )
    for name, text in (("votes.csv", HEADER + ROWS), ("participants-votes.csv", PV)):
        steps = seen[f"Reading {name}"]
        assert len(steps) > 1 or name == "participants-votes.csv"
        assert {total for _, total in steps} == {len(text)}
        assert sum(advance for advance, _ in steps) == len(text) - len(text.splitlines()[0]) - 1  # the body


@pytest.mark.parametrize(
    ("data", "plain"),
    [
        (b"1,2,3\n4,5,6\n", True),
        (b"1,2,3\r\n4,5,6\r\n", True),
        (b'1,"2",3\n', False),  # a quote: the csv module decides
        (b"1,2,3\r4,5,6\n", False),  # a lone carriage return
        (b"1,0x2,3\n", False),  # pyarrow would read hexadecimal
        (b"\xef\xbb\xbf1,2,3\n", False),  # pyarrow would skip it
        (b"1," + b"9" * 200_000 + b"\n", False),  # over the csv module's field limit
    ],
)
def test_only_plainly_sound_blocks_go_to_pyarrow(data: bytes, plain: bool) -> None:
    assert plainly_well_formed(data) is plain


CELLS = st.sampled_from(
    ["", "0", "1", "-1", "2", " 1", "1 ", "01", "+1", "0x1", '"1"', '"', "a", "1.0", "\r", "9" * 20]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(CELLS, CELLS, CELLS, CELLS), max_size=12),
    ending=st.sampled_from(["\n", "\r\n"]),
    small=st.integers(min_value=1, max_value=40),
)
def test_any_vote_file_reads_the_same_with_any_block_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list[tuple[str, ...]], ending: str, small: int
) -> None:
    votes = HEADER.replace("\n", ending) + "".join(f"{t},x,{c},{p},{v}{ending}" for t, c, p, v in rows)
    _both_ways(_write(tmp_path, votes), monkeypatch, small)


def test_final_votes_of_a_large_block_match_the_csv_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thousands of rows with revotes: one pyarrow block and 50-byte blocks agree on every event and final vote."""
    rng = np.random.default_rng(0)
    n = 5_000
    times = rng.integers(0, 10**12, n)
    lines = [
        f"{t},x,{c},{p},{v}\n"
        for t, c, p, v in zip(
            times, rng.integers(0, 3, n), rng.integers(0, 300, n), rng.integers(-1, 2, n), strict=True
        )
    ]
    outcome = _both_ways(_write(tmp_path, HEADER + "".join(lines)), monkeypatch, 50)
    assert outcome[0] == "ok"
    assert outcome[4] == sorted(times.tolist())
