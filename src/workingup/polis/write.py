"""Write a conversation in the Pol.is open-data format, so our data goes anywhere Pol.is data goes.

Files are written beside their final names and renamed into place only once all of them are complete: a
failed export never leaves a folder that looks valid but is half-written.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from workingup.polis.model import PolisConversation
from workingup.polis.read import COMMENTS, PARTICIPANT_VOTES, SUMMARY, VOTES


def write_polis(conversation: PolisConversation, folder: str | Path) -> list[Path]:
    """Write comments.csv, votes.csv, participants-votes.csv and summary.csv into `folder`; return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    final_p, final_c, final_v = conversation.final_votes()
    outputs = {
        COMMENTS: _comment_rows(conversation),
        VOTES: _vote_rows(conversation),
        PARTICIPANT_VOTES: _participant_vote_rows(conversation, final_p, final_c, final_v),
        SUMMARY: _summary_rows(conversation, final_p, final_c),
    }
    temporary = []
    try:
        for name, rows in outputs.items():
            path = folder / f".{name}.partial"
            with path.open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle, lineterminator="\n").writerows(rows)
            temporary.append((path, folder / name))
        for partial, final in temporary:
            os.replace(partial, final)
    finally:
        for partial, _ in temporary:
            partial.unlink(missing_ok=True)
    return [final for _, final in temporary]


def _datetime(ms: int | None) -> str:
    if ms is None or ms < 0:
        return ""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%a %b %d %H:%M:%S UTC %Y")


def _comment_rows(conversation: PolisConversation) -> Iterable[Sequence[object]]:
    agrees: dict[int, int] = {}
    disagrees: dict[int, int] = {}
    # Pol.is counts every vote event, superseded ones included; so do we.
    for comment, value in zip(
        conversation.vote_comment.tolist(), conversation.vote_value.tolist(), strict=True
    ):
        if value == 1:
            agrees[comment] = agrees.get(comment, 0) + 1
        elif value == -1:
            disagrees[comment] = disagrees.get(comment, 0) + 1
    yield [
        "timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", "moderated", "is-meta",
        "is-seed", "comment-body",
    ]  # fmt: skip
    for c in conversation.comments:
        yield [
            "" if c.timestamp_ms is None else c.timestamp_ms,
            _datetime(c.timestamp_ms),
            c.comment_id,
            c.author_id,
            agrees.get(c.comment_id, 0),
            disagrees.get(c.comment_id, 0),
            c.moderated,
            str(c.is_meta).lower(),
            str(c.is_seed).lower(),
            c.text,
        ]


def _vote_rows(conversation: PolisConversation) -> Iterable[Sequence[object]]:
    yield ["timestamp", "datetime", "comment-id", "voter-id", "vote"]
    for t, c, p, v in zip(
        conversation.vote_timestamp_ms.tolist(),
        conversation.vote_comment.tolist(),
        conversation.vote_participant.tolist(),
        conversation.vote_value.tolist(),
        strict=True,
    ):
        yield ["" if t < 0 else t, _datetime(t), c, p, v]


def _participant_vote_rows(
    conversation: PolisConversation, final_p: np.ndarray, final_c: np.ndarray, final_v: np.ndarray
) -> Iterable[Sequence[object]]:
    # Pol.is lists only participants who voted and comments that received a vote, both in id order.
    columns = np.unique(final_c).tolist()
    column_index = {cid: i for i, cid in enumerate(columns)}
    authored: dict[int, int] = {}
    for c in conversation.comments:
        authored[c.author_id] = authored.get(c.author_id, 0) + 1
    by_id = {p.participant_id: p for p in conversation.participants}
    has_xid = any(p.xid for p in conversation.participants)
    fixed = [
        "participant",
        *(["xid"] if has_xid else []),
        "group-id",
        "n-comments",
        "n-votes",
        "n-agree",
        "n-disagree",
    ]
    yield fixed + [str(c) for c in columns]
    if len(final_p) == 0:
        return
    starts = np.flatnonzero(np.r_[True, final_p[1:] != final_p[:-1]])
    ends = np.r_[starts[1:], len(final_p)]
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        pid = int(final_p[start])
        person = by_id.get(pid)
        cells: list[object] = [""] * len(columns)
        values = final_v[start:end].tolist()
        for cid, value in zip(final_c[start:end].tolist(), values, strict=True):
            cells[column_index[cid]] = value
        group = person.group_id if person and person.group_id is not None else ""
        xid = [person.xid or "" if person else ""] if has_xid else []
        yield [
            pid, *xid, group, authored.get(pid, 0), len(values), values.count(1), values.count(-1), *cells,
        ]  # fmt: skip


def _summary_rows(
    conversation: PolisConversation, final_p: np.ndarray, final_c: np.ndarray
) -> Iterable[Sequence[object]]:
    groups = {p.group_id for p in conversation.participants if p.group_id is not None}
    summary = dict(conversation.summary)
    summary.update(
        {
            "voters": str(len(np.unique(final_p))),
            "voters-in-conv": str(len(np.unique(final_p))),
            "commenters": str(len({c.author_id for c in conversation.comments})),
            "comments": str(len(conversation.comments)),
            "groups": str(len(groups)),
        }
    )
    summary.setdefault("topic", "")
    summary.setdefault("conversation-description", "")
    for key, value in summary.items():
        yield [key, value]
