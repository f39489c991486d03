"""The Pol.is reader and writer on the real shared exports and on every kind of broken file."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import polis_conversations
from workingup.polis import PolisFormatError, read_polis, write_polis


def _matrix_from_participant_votes(path: Path) -> dict[tuple[int, int], int]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    columns = [(i, int(h)) for i, h in enumerate(header) if h.isdigit()]
    return {(int(r[0]), cid): int(r[i]) for r in rows[1:] for i, cid in columns if r[i] != ""}


@pytest.mark.parametrize("name", polis_conversations())
def test_final_votes_equal_participants_votes(polis_root: Path, name: str) -> None:
    conversation = read_polis(polis_root / name)
    p, c, v = conversation.final_votes()
    ours = dict(zip(zip(p.tolist(), c.tolist(), strict=True), v.tolist(), strict=True))
    assert ours == _matrix_from_participant_votes(polis_root / name / "participants-votes.csv")
    assert conversation.warnings == ()


@pytest.mark.parametrize("name", polis_conversations(with_votes=False))
def test_write_then_read_is_lossless(polis_root: Path, tmp_path: Path, name: str) -> None:
    original = read_polis(polis_root / name)
    write_polis(original, tmp_path)
    again = read_polis(tmp_path)
    for field in ("vote_participant", "vote_comment", "vote_value", "vote_timestamp_ms"):
        assert np.array_equal(getattr(original, field), getattr(again, field)), field
    keep = ("comment_id", "author_id", "text", "moderated", "timestamp_ms", "is_meta", "is_seed")
    assert [tuple(getattr(c, k) for k in keep) for c in original.comments] == [
        tuple(getattr(c, k) for k in keep) for c in again.comments
    ]
    assert [(p.participant_id, p.group_id) for p in original.participants if p.group_id is not None] == [
        (p.participant_id, p.group_id) for p in again.participants if p.group_id is not None
    ]
    assert again.title == original.title


@pytest.mark.parametrize("name", polis_conversations())
def test_written_participants_votes_match_the_original_cell_for_cell(
    polis_root: Path, tmp_path: Path, name: str
) -> None:
    write_polis(read_polis(polis_root / name), tmp_path)
    assert _matrix_from_participant_votes(
        tmp_path / "participants-votes.csv"
    ) == _matrix_from_participant_votes(polis_root / name / "participants-votes.csv")


COMMENTS = (
    "timestamp,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
    "100,0,0,1,0,1,First statement\n"
    '200,1,1,0,1,-1,"Second, with a comma"\n'
)
VOTES = "timestamp,comment-id,voter-id,vote\n300,0,0,1\n400,1,0,-1\n500,0,1,1\n"


def _folder(tmp_path: Path, comments: str | bytes = COMMENTS, votes: str | bytes | None = VOTES) -> Path:
    for name, content in (("comments.csv", comments), ("votes.csv", votes)):
        if content is None:
            continue
        data = content.encode("utf-8") if isinstance(content, str) else content
        (tmp_path / name).write_bytes(data)
    return tmp_path


def test_small_valid_folder(tmp_path: Path) -> None:
    conversation = read_polis(_folder(tmp_path))
    assert [c.text for c in conversation.comments] == ["First statement", "Second, with a comma"]
    assert conversation.vote_value.tolist() == [1, -1, 1]


def test_last_vote_wins_by_time_not_file_order(tmp_path: Path) -> None:
    votes = "timestamp,comment-id,voter-id,vote\n900,0,0,-1\n300,0,0,1\n"
    p, c, v = read_polis(_folder(tmp_path, votes=votes)).final_votes()
    assert (p.tolist(), c.tolist(), v.tolist()) == ([0], [0], [-1])


@pytest.mark.parametrize(
    ("file", "content", "message"),
    [
        (
            "comments.csv",
            COMMENTS.replace("comment-body", "body"),
            "comments.csv line 1: missing column 'comment-body'",
        ),
        ("votes.csv", VOTES + "600,7,1,1\n", "votes.csv line 5: comment-id 7 is not in comments.csv"),
        ("votes.csv", VOTES + "600,1,1,2\n", "votes.csv line 5: vote must be -1, 0 or 1, not 2"),
        (
            "votes.csv",
            VOTES + "600,1,x,1\n",
            "votes.csv line 5: column 'voter-id' must be a whole number, not 'x'",
        ),
        (
            "votes.csv",
            VOTES + "600,1",
            "votes.csv line 5: has 2 fields, expected 4; the file looks truncated",
        ),
        (
            "comments.csv",
            COMMENTS + "300,0,2,0,0,1,again\n",
            "comments.csv line 4: duplicate comment-id 0 (first on line 2)",
        ),
        ("comments.csv", "", "comments.csv: is empty (no header row)"),
        ("votes.csv", "  \n", "votes.csv: is empty (no header row)"),
        ("comments.csv", COMMENTS + '300,2,2,0,0,1,"unterminated\n', "comments.csv line 4: malformed CSV"),
        (
            "comments.csv",
            COMMENTS.replace(",1,First", ",5,First"),
            "comments.csv line 2: moderated must be -1, 0 or 1",
        ),
    ],
)
def test_bad_input_names_file_line_and_problem(tmp_path: Path, file: str, content: str, message: str) -> None:
    kwargs = {"comments": content} if file == "comments.csv" else {"votes": content}
    with pytest.raises(PolisFormatError) as caught:
        read_polis(_folder(tmp_path, **kwargs))
    assert str(caught.value).startswith(message)


def test_wrong_encoding_is_reported_with_its_line(tmp_path: Path) -> None:
    latin1 = COMMENTS.replace("First statement", "Caf\u00e9 talk").encode("latin-1")
    with pytest.raises(PolisFormatError, match=r"comments.csv line 2: is not valid UTF-8"):
        read_polis(_folder(tmp_path, comments=latin1))


def test_missing_comments_file(tmp_path: Path) -> None:
    shutil.rmtree(tmp_path)
    tmp_path.mkdir()
    (tmp_path / "votes.csv").write_text(VOTES)
    with pytest.raises(PolisFormatError, match=r"comments.csv: is missing from "):
        read_polis(tmp_path)


def test_participant_votes_used_when_votes_absent(tmp_path: Path) -> None:
    _folder(tmp_path, votes=None)
    (tmp_path / "participants-votes.csv").write_text(
        "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,1\n0,1,1,2,1,1,1,-1\n3,,0,1,0,0,,0\n"
    )
    conversation = read_polis(tmp_path)
    assert conversation.votes_source == "participants-votes.csv"
    assert {p.participant_id: p.group_id for p in conversation.participants} == {0: 1, 1: None, 3: None}
    p, c, v = conversation.final_votes()
    assert list(zip(p.tolist(), c.tolist(), v.tolist(), strict=True)) == [(0, 0, 1), (0, 1, -1), (3, 1, 0)]


def test_participant_votes_bad_cell(tmp_path: Path) -> None:
    _folder(tmp_path, votes=None)
    (tmp_path / "participants-votes.csv").write_text("participant,group-id,0,1\n0,1,1,yes\n")
    with pytest.raises(PolisFormatError, match=r"participants-votes.csv line 2: vote for comment 1 must be"):
        read_polis(tmp_path)


def test_disagreeing_files_give_a_warning(tmp_path: Path) -> None:
    _folder(tmp_path)
    (tmp_path / "participants-votes.csv").write_text("participant,group-id,0,1\n0,,1,1\n1,,1,\n")
    conversation = read_polis(tmp_path)
    assert conversation.warnings == (
        "votes.csv and participants-votes.csv disagree on 2 cells; votes.csv was used",
    )


@pytest.mark.parametrize("offset", [0, 2**40])  # 2**40: the pair key would overflow, the lexsort path runs
def test_final_votes_keep_the_last_event_of_every_pair(offset: int) -> None:
    from workingup.polis.model import PolisConversation

    rng = np.random.default_rng(offset % 97)
    n = 5_000
    participant = rng.integers(0, 300, n).astype(np.int64) * (1 + offset) + offset
    comment = rng.integers(0, 40, n).astype(np.int64) * (1 + offset)
    value = rng.choice(np.array([-1, 0, 1], dtype=np.int8), n)
    conversation = PolisConversation(
        comments=(),
        participants=(),
        vote_participant=participant,
        vote_comment=comment,
        vote_value=value,
        vote_timestamp_ms=np.arange(n, dtype=np.int64),
    )
    last: dict[tuple[int, int], int] = {}
    for p, c, v in zip(participant.tolist(), comment.tolist(), value.tolist(), strict=True):
        last[(p, c)] = v
    p, c, v = conversation.final_votes()
    assert list(zip(p.tolist(), c.tolist(), strict=True)) == sorted(last)
    assert v.tolist() == [last[pair] for pair in sorted(last)]
