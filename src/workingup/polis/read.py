"""Read a Pol.is open-data export folder, refusing anything malformed with the file, line and problem.

Reading validates everything before anything is returned, so an importer built on it can promise
all-or-nothing: a bad file never yields a partial conversation.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

from workingup.polis.model import PolisComment, PolisConversation, PolisFormatError, PolisParticipant

COMMENTS = "comments.csv"
VOTES = "votes.csv"
PARTICIPANT_VOTES = "participants-votes.csv"
SUMMARY = "summary.csv"

_PV_FIXED = {"participant", "xid", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"}


def read_polis(folder: str | Path) -> PolisConversation:
    """Read `folder`; votes come from votes.csv (an event log) or, when it is absent, participants-votes.csv."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PolisFormatError(str(folder), None, "is not a folder")
    comments = _read_comments(folder / COMMENTS)
    known = {c.comment_id for c in comments}
    warnings: list[str] = []

    pv_path = folder / PARTICIPANT_VOTES
    pv_participants, pv_votes = _read_participant_votes(pv_path, known) if pv_path.exists() else ({}, None)

    votes_path = folder / VOTES
    if votes_path.exists():
        participant, comment, value, timestamp = _read_vote_events(votes_path, known)
        source = VOTES
    elif pv_votes is not None:
        participant, comment, value = pv_votes
        timestamp = np.full(len(value), -1, dtype=np.int64)
        source = PARTICIPANT_VOTES
    else:
        participant = np.empty(0, dtype=np.int64)
        comment = np.empty(0, dtype=np.int64)
        value = np.empty(0, dtype=np.int8)
        timestamp = np.empty(0, dtype=np.int64)
        source = "none"

    participants = dict(pv_participants)
    for pid in np.unique(participant).tolist():
        participants.setdefault(pid, PolisParticipant(pid))
    for c in comments:
        participants.setdefault(c.author_id, PolisParticipant(c.author_id))

    conversation = PolisConversation(
        comments=tuple(sorted(comments, key=lambda c: c.comment_id)),
        participants=tuple(participants[pid] for pid in sorted(participants)),
        vote_participant=participant,
        vote_comment=comment,
        vote_value=value,
        vote_timestamp_ms=timestamp,
        summary=_read_summary(folder / SUMMARY) if (folder / SUMMARY).exists() else {},
        votes_source=source,
    )
    if source == VOTES and pv_votes is not None:
        warnings.extend(_compare_final(conversation, pv_votes))
    if warnings:
        conversation = replace(conversation, warnings=tuple(warnings))
    return conversation


def _decode(path: Path) -> str:
    if not path.exists():
        raise PolisFormatError(path.name, None, f"is missing from {path.parent}")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise PolisFormatError(
            path.name, line, f"is not valid UTF-8 (byte 0x{raw[error.start]:02x}); save the file as UTF-8"
        ) from None
    if not text.strip():
        raise PolisFormatError(path.name, None, "is empty (no header row)")
    return text


def _rows(path: Path, required: tuple[str, ...]) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and an iterator of (line number, row); every row has exactly the header's width."""
    text = _decode(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as error:
        raise PolisFormatError(path.name, 1, f"unreadable header ({error})") from None
    missing = [name for name in required if name not in header]
    if missing:
        raise PolisFormatError(
            path.name, 1, f"missing column {', '.join(repr(m) for m in missing)} (found: {', '.join(header)})"
        )
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise PolisFormatError(path.name, 1, f"duplicate column {', '.join(repr(d) for d in duplicated)}")
    ends_with_newline = text.endswith(("\n", "\r"))

    def rows() -> Iterator[tuple[int, list[str]]]:
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise PolisFormatError(
                    path.name, start, f"malformed CSV ({error}); is the file truncated?"
                ) from None
            if row and len(row) != len(header):
                at_end = reader.line_num >= text.count("\n") + (0 if ends_with_newline else 1)
                hint = "; the file looks truncated" if at_end and len(row) < len(header) else ""
                raise PolisFormatError(
                    path.name, start, f"has {len(row)} fields, expected {len(header)}{hint}"
                )
            if row:
                yield start, row
            start = reader.line_num + 1

    return header, rows()


ID_RANGE = (-(2**63), 2**63 - 1)
"""Ids and counts become 64-bit integers (numpy arrays, database columns)."""
GROUP_RANGE = (-(2**31), 2**31 - 1)
"""Group ids are stored in a 32-bit integer column."""
TIMESTAMP_RANGE = (-(2**63), 253_402_300_799_999)
"""Milliseconds since 1970; anything after the last millisecond of year 9999 is not a date (negative: none)."""
MAX_XID = 200
"""The participant's external reference column holds 200 characters."""


def _int(file: str, line: int, column: str, text: str, bounds: tuple[int, int] = ID_RANGE) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise PolisFormatError(
            file, line, f"column {column!r} must be a whole number, not {text[:60]!r}"
        ) from None
    if not bounds[0] <= value <= bounds[1]:
        raise PolisFormatError(
            file, line, f"column {column!r} is out of range ({bounds[0]} to {bounds[1]}), not {value}"
        )
    return value


def _bool(file: str, line: int, column: str, text: str) -> bool:
    value = text.strip().lower()
    if value in {"true", "1", "t"}:
        return True
    if value in {"false", "0", "f", ""}:
        return False
    raise PolisFormatError(file, line, f"column {column!r} must be true or false, not {text[:60]!r}")


def _read_comments(path: Path) -> list[PolisComment]:
    header, rows = _rows(path, ("comment-id", "author-id", "moderated", "comment-body"))
    col = {name: i for i, name in enumerate(header)}
    seen: dict[int, int] = {}
    comments = []
    for line, row in rows:

        def get(name: str, row: list[str] = row) -> str | None:
            return row[col[name]] if name in col else None

        cid = _int(path.name, line, "comment-id", row[col["comment-id"]])
        if cid in seen:
            raise PolisFormatError(path.name, line, f"duplicate comment-id {cid} (first on line {seen[cid]})")
        seen[cid] = line
        moderated = _int(path.name, line, "moderated", row[col["moderated"]])
        if moderated not in (-1, 0, 1):
            raise PolisFormatError(path.name, line, f"moderated must be -1, 0 or 1, not {moderated}")
        timestamp = get("timestamp")
        agrees, disagrees, gic = get("agrees"), get("disagrees"), get("group-informed-consensus")
        try:
            gic_value = float(gic) if gic not in (None, "") else None
        except ValueError:
            raise PolisFormatError(
                path.name, line, f"group-informed-consensus must be a number, not {str(gic)[:60]!r}"
            ) from None
        comments.append(
            PolisComment(
                comment_id=cid,
                author_id=_int(path.name, line, "author-id", row[col["author-id"]]),
                text=row[col["comment-body"]],
                moderated=moderated,
                timestamp_ms=_int(path.name, line, "timestamp", timestamp, TIMESTAMP_RANGE)
                if timestamp
                else None,
                is_meta=_bool(path.name, line, "is-meta", get("is-meta") or ""),
                is_seed=_bool(path.name, line, "is-seed", get("is-seed") or ""),
                agrees=_int(path.name, line, "agrees", agrees) if agrees else None,
                disagrees=_int(path.name, line, "disagrees", disagrees) if disagrees else None,
                group_informed_consensus=gic_value,
            )
        )
    return comments


def _read_vote_events(path: Path, known: set[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    header, rows = _rows(path, ("comment-id", "voter-id", "vote"))
    col = {name: i for i, name in enumerate(header)}
    has_time = "timestamp" in col
    participant, comment, value, timestamp = [], [], [], []
    for line, row in rows:
        cid = _int(path.name, line, "comment-id", row[col["comment-id"]])
        if cid not in known:
            raise PolisFormatError(path.name, line, f"comment-id {cid} is not in {COMMENTS}")
        vote = _int(path.name, line, "vote", row[col["vote"]])
        if vote not in (-1, 0, 1):
            raise PolisFormatError(path.name, line, f"vote must be -1, 0 or 1, not {vote}")
        participant.append(_int(path.name, line, "voter-id", row[col["voter-id"]]))
        comment.append(cid)
        value.append(vote)
        when = row[col["timestamp"]].strip() if has_time else ""
        timestamp.append(_int(path.name, line, "timestamp", when, TIMESTAMP_RANGE) if when else -1)
    times = np.asarray(timestamp, dtype=np.int64)
    order = np.argsort(times, kind="stable")  # time order; file order breaks ties
    return (
        np.asarray(participant, dtype=np.int64)[order],
        np.asarray(comment, dtype=np.int64)[order],
        np.asarray(value, dtype=np.int8)[order],
        times[order],
    )


def _read_participant_votes(
    path: Path, known: set[int]
) -> tuple[dict[int, PolisParticipant], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    header, rows = _rows(path, ("participant", "group-id"))
    col = {name: i for i, name in enumerate(header)}
    comment_cols: list[tuple[int, int]] = []
    for i, name in enumerate(header):
        if name in _PV_FIXED:
            continue
        cid = _int(path.name, 1, "header", name)
        if cid not in known:
            raise PolisFormatError(
                path.name, 1, f"column for comment {cid} but that comment is not in {COMMENTS}"
            )
        comment_cols.append((i, cid))
    participants: dict[int, PolisParticipant] = {}
    first_line: dict[int, int] = {}
    p_out, c_out, v_out = [], [], []
    cells = {"1": 1, "-1": -1, "0": 0, "1.0": 1, "-1.0": -1, "0.0": 0}
    for line, row in rows:
        pid = _int(path.name, line, "participant", row[col["participant"]])
        if pid in participants:
            raise PolisFormatError(
                path.name, line, f"duplicate participant {pid} (first on line {first_line[pid]})"
            )
        first_line[pid] = line
        group = row[col["group-id"]].strip()
        xid = row[col["xid"]].strip() if "xid" in col else ""
        if len(xid) > MAX_XID:
            raise PolisFormatError(path.name, line, f"xid has {len(xid)} characters, at most {MAX_XID}")
        participants[pid] = PolisParticipant(
            pid, xid or None, _int(path.name, line, "group-id", group, GROUP_RANGE) if group else None
        )
        for i, cid in comment_cols:
            cell = row[i].strip()
            if not cell:
                continue
            vote = cells.get(cell)
            if vote is None:
                raise PolisFormatError(
                    path.name, line, f"vote for comment {cid} must be -1, 0, 1 or empty, not {cell[:60]!r}"
                )
            p_out.append(pid)
            c_out.append(cid)
            v_out.append(vote)
    return participants, (
        np.asarray(p_out, dtype=np.int64),
        np.asarray(c_out, dtype=np.int64),
        np.asarray(v_out, dtype=np.int8),
    )


def _read_summary(path: Path) -> dict[str, str]:
    text = _decode(path)
    summary: dict[str, str] = {}
    try:
        for row in csv.reader(io.StringIO(text, newline=""), strict=True):
            if len(row) >= 2:
                summary[row[0].strip()] = row[1]
    except csv.Error as error:
        raise PolisFormatError(path.name, None, f"malformed CSV ({error})") from None
    return summary


def _compare_final(
    conversation: PolisConversation, pv: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> list[str]:
    """votes.csv wins; say so when participants-votes.csv tells a different final story."""
    p, c, v = conversation.final_votes()
    from_events = set(zip(p.tolist(), c.tolist(), v.tolist(), strict=True))
    from_matrix = set(zip(pv[0].tolist(), pv[1].tolist(), pv[2].tolist(), strict=True))
    differ = len(from_events ^ from_matrix)
    if differ:
        return [f"{VOTES} and {PARTICIPANT_VOTES} disagree on {differ} cells; {VOTES} was used"]
    return []
