"""Read a Pol.is open-data export folder, refusing anything malformed with the file, line and problem.

Reading validates everything before anything is returned, so an importer built on it can promise
all-or-nothing: a bad file never yields a partial conversation. The two large files (votes.csv,
participants-votes.csv) are read in blocks by pyarrow where a block is plainly sound and by the csv module
otherwise, under the same rules and messages (polis/blocks.py); the small ones by the csv module alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workingup.errors import csv_problem
from workingup.polis.blocks import (
    BOM,
    Block,
    Progress,
    blocks,
    check_text,
    joined,
    plainly_well_formed,
    read_header,
    slow_rows,
)
from workingup.polis.model import PolisComment, PolisConversation, PolisFormatError, PolisParticipant

if TYPE_CHECKING:  # pyarrow is imported where a large file is read, not with the package
    import pyarrow as pa

COMMENTS = "comments.csv"
VOTES = "votes.csv"
PARTICIPANT_VOTES = "participants-votes.csv"
NO_VOTES = "none"
"""`votes_source` of a folder with neither vote file: some open-data exports are comments only (march-on)."""
SUMMARY = "summary.csv"

_PV_FIXED = {"participant", "xid", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"}


def read_polis(folder: str | Path, progress: Progress | None = None) -> PolisConversation:
    """Read `folder`; votes come from votes.csv (an event log) or, when it is absent, participants-votes.csv.

    `progress(task, bytes_read, file_size)` is called after each block of the two large files (a command shows a
    bar with it); the library itself prints nothing.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise PolisFormatError(str(folder), None, "is not a folder")
    comments = _read_comments(folder / COMMENTS)
    known = {c.comment_id for c in comments}
    warnings: list[str] = []

    pv_path = folder / PARTICIPANT_VOTES
    pv_participants, pv_votes = (
        _read_participant_votes(pv_path, known, progress) if pv_path.exists() else ({}, None)
    )

    votes_path = folder / VOTES
    if votes_path.exists():
        participant, comment, value, timestamp = _read_vote_events(votes_path, known, progress)
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
        source = NO_VOTES

    participants = dict(pv_participants)
    for pid in _sorted_unique(participant).tolist():
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
    skip = len(BOM) if raw.startswith(BOM) else 0
    try:
        text = raw[skip:].decode("utf-8")
    except UnicodeDecodeError as error:
        at = skip + error.start  # utf-8-sig would count from after the byte order mark
        line = raw.count(b"\n", 0, at) + 1
        raise PolisFormatError(
            path.name, line, f"is not valid UTF-8 (byte 0x{raw[at]:02x}); save the file as UTF-8"
        ) from None
    if not text.strip():
        raise PolisFormatError(path.name, None, "is empty (no header row)")
    return text


def _rows(path: Path, required: tuple[str, ...]) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and an iterator of (line number, row); every row has exactly the header's width.

    The same block reader and checks as votes.csv (polis/blocks.py), row by row: one set of messages."""
    facts = check_text(path)
    header = read_header(path, facts, required)
    width = len(header.names)

    def rows() -> Iterator[tuple[int, list[str]]]:
        def read(block: Block) -> list[tuple[int, list[str]]]:
            return list(slow_rows(block, path.name, width, facts))

        for block_rows in joined(blocks(path, header, facts, None, ""), read):
            yield from block_rows

    return header.names, rows()


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


def _read_vote_events(
    path: Path, known: set[int], progress: Progress | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The vote event log in time order (file order breaks ties), read in blocks (polis/blocks.py)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    facts = check_text(path)
    header = read_header(path, facts, ("comment-id", "voter-id", "vote"))
    col = {name: i for i, name in enumerate(header.names)}
    width = len(header.names)
    has_time = "timestamp" in col
    known_sorted = np.array(sorted(known), dtype=np.int64)
    names = [f"f{i}" for i in range(width)]
    used = {name: names[col[name]] for name in ("comment-id", "voter-id", "vote", "timestamp") if name in col}

    def fast(block: Block) -> tuple[np.ndarray, ...] | None:
        """The block's columns when pyarrow parses it and every value keeps the rules; None otherwise."""
        if not plainly_well_formed(block.data):
            return None
        table = _arrow_block(block.data, names, {field: pa.int64() for field in used.values()})
        if table is None:
            return None
        required = [table.column(used[name]) for name in ("comment-id", "voter-id", "vote")]
        if any(column.null_count for column in required):
            return None
        cid, voter, vote = (column.to_numpy() for column in required)
        if len(known_sorted) == 0 and len(cid):
            return None
        if (_ranks(known_sorted, cid) < 0).any():
            return None
        if ((vote < -1) | (vote > 1)).any():
            return None
        if has_time:
            times = pc.fill_null(table.column(used["timestamp"]), -1).to_numpy()
            if (times > TIMESTAMP_RANGE[1]).any():
                return None
        else:
            times = np.full(len(cid), -1, dtype=np.int64)
        return voter.astype(np.int64), cid.astype(np.int64), vote.astype(np.int8), times.astype(np.int64)

    def slow(block: Block) -> tuple[np.ndarray, ...]:
        """The row-by-row rules and messages, line by line."""
        participant, comment, value, timestamp = [], [], [], []
        for line, row in slow_rows(block, path.name, width, facts):
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
        return (
            np.asarray(participant, dtype=np.int64),
            np.asarray(comment, dtype=np.int64),
            np.asarray(value, dtype=np.int8),
            np.asarray(timestamp, dtype=np.int64),
        )

    def read(block: Block) -> tuple[np.ndarray, ...]:
        got = fast(block)
        return slow(block) if got is None else got

    parts = [list(part) for part in joined(blocks(path, header, facts, progress, f"Reading {VOTES}"), read)]
    participant, comment, value, times = (_gather(parts, i) for i in range(4))
    if len(times) > 1 and not (times[1:] >= times[:-1]).all():
        order = np.argsort(times, kind="stable")  # time order; file order breaks ties
        participant, comment, value, times = participant[order], comment[order], value[order], times[order]
    return participant, comment, value, times


_DTYPES = (np.int64, np.int64, np.int8, np.int64)


def _concatenate(arrays: list[np.ndarray], i: int) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.empty(0, dtype=_DTYPES[i])


def _gather(parts: list[list[np.ndarray]], i: int) -> np.ndarray:
    """Column `i` of every block in one array, letting go of the blocks' copies as it goes (memory: 20M votes)."""
    whole = _concatenate([part[i] for part in parts], i)
    for part in parts:
        part[i] = whole[:0]
    return whole


def _arrow_block(data: bytes, names: list[str], types: dict[str, pa.DataType]) -> pa.Table | None:
    """The block parsed by pyarrow into `types` (only those columns), or None when pyarrow refuses it."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        return pacsv.read_csv(
            pa.py_buffer(data),
            # One pyarrow block: participants-votes.csv's dictionary columns then come as a single chunk.
            read_options=pacsv.ReadOptions(column_names=names, block_size=len(data) + 1),
            parse_options=pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                include_columns=list(types),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


_CELLS = {"1": 1, "-1": -1, "0": 0, "1.0": 1, "-1.0": -1, "0.0": 0}
"""The cells participants-votes.csv may hold (stripped); an empty cell is a statement not voted on."""
_EMPTY = 9
"""A cell code for "no vote" in the block matrix of participants-votes.csv."""


def _read_participant_votes(
    path: Path, known: set[int], progress: Progress | None = None
) -> tuple[dict[int, PolisParticipant], tuple[np.ndarray, np.ndarray, np.ndarray]]:

    facts = check_text(path)
    header = read_header(path, facts, ("participant", "group-id"))
    col = {name: i for i, name in enumerate(header.names)}
    width = len(header.names)
    comment_cols: list[tuple[int, int]] = []
    for i, name in enumerate(header.names):
        if name in _PV_FIXED:
            continue
        cid = _int(path.name, 1, "header", name)
        if cid not in known:
            raise PolisFormatError(
                path.name, 1, f"column for comment {cid} but that comment is not in {COMMENTS}"
            )
        comment_cols.append((i, cid))
    cids = np.array([cid for _, cid in comment_cols], dtype=np.int64)
    participants: dict[int, PolisParticipant] = {}
    first_line: dict[int, int] = {}
    Read = tuple[dict[int, PolisParticipant], dict[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]]

    comment_of = np.full(width, -1, dtype=np.int64)  # column → index into cids, -1 for the fixed columns
    for j, (i, _) in enumerate(comment_cols):
        comment_of[i] = j

    def fast(block: Block) -> Read | None:
        """The block when numpy finds every row sound; None otherwise.

        Not pyarrow: this file is mostly empty cells (2,000 columns, a few votes each), and finding the few bytes
        that are not separators is ten times faster than parsing every empty cell. Only cells that are exactly
        "1", "0" or "-1" pass here; anything else (" 1", "1.0", a bad value) goes to the csv module.
        """
        data = block.data
        if not plainly_well_formed(data, blank_lines=False):
            return None
        if not data.endswith(b"\n"):
            data += b"\n"
        a = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(a == ord("\n"))
        comma = a == ord(",")
        commas = np.cumsum(comma, dtype=np.int32)  # commas up to each byte (a block is far below 2 GiB)
        if not (np.diff(commas[ends], prepend=0) == width - 1).all():
            return None  # a row with too few or too many fields
        # The bytes that belong to a value, grouped into cells (runs of consecutive positions).
        at = np.flatnonzero(~(comma | (a == ord("\n")) | (a == ord("\r"))))
        starts = np.ones(len(at), dtype=bool)
        starts[1:] = at[1:] != at[:-1] + 1
        first = np.flatnonzero(starts)
        cell_at = at[first]
        length = np.diff(first, append=len(at))
        cell_row = np.searchsorted(ends, cell_at)
        cell_col = commas[cell_at] - cell_row * (width - 1)
        which = comment_of[cell_col]
        is_vote = which >= 0
        one, two = a[cell_at], a[np.minimum(cell_at + 1, len(a) - 1)]
        value = np.where(
            (length == 1) & (one == ord("1")), 1, np.where((length == 1) & (one == ord("0")), 0, -1)
        ).astype(np.int8)
        sound = ((length == 1) & ((one == ord("1")) | (one == ord("0")))) | (
            (length == 2) & (one == ord("-")) & (two == ord("1"))
        )
        if not sound[is_vote].all():
            return None
        # The fixed columns, row by row with the csv module's rules (a few thousand rows per block).
        fixed = {name: np.full(len(ends), -1, dtype=np.int64) for name in ("participant", "xid", "group-id")}
        for name, where in fixed.items():
            if name in col:
                mine = np.flatnonzero(cell_col == col[name])
                where[cell_row[mine]] = mine
        new: dict[int, PolisParticipant] = {}
        lines: dict[int, int] = {}
        pids = np.empty(len(ends), dtype=np.int64)

        def text(cell: int) -> str:
            return "" if cell < 0 else data[cell_at[cell] : cell_at[cell] + length[cell]].decode("utf-8")

        try:
            for row, (p_cell, x_cell, g_cell) in enumerate(
                zip(*(fixed[n].tolist() for n in ("participant", "xid", "group-id")), strict=True)
            ):
                line = block.first_line + row
                pid = _int(path.name, line, "participant", text(p_cell))
                if pid in participants or pid in new:
                    return None
                xid = text(x_cell).strip()
                group = text(g_cell).strip()
                if len(xid) > MAX_XID:
                    return None
                new[pid] = PolisParticipant(
                    pid, xid or None, _int(path.name, line, "group-id", group, GROUP_RANGE) if group else None
                )
                lines[pid] = line
                pids[row] = pid
        except PolisFormatError:
            return None  # the csv module reads the block again and names the first problem in line order
        votes = (pids[cell_row[is_vote]], cids[which[is_vote]], value[is_vote])
        return new, lines, votes

    def slow(block: Block) -> Read:
        """The row-by-row rules and messages, line by line."""
        new: dict[int, PolisParticipant] = {}
        lines: dict[int, int] = {}
        p_out, c_out, v_out = [], [], []
        for line, row in slow_rows(block, path.name, width, facts):
            pid = _int(path.name, line, "participant", row[col["participant"]])
            if pid in participants or pid in new:
                first = first_line[pid] if pid in first_line else lines[pid]
                raise PolisFormatError(
                    path.name, line, f"duplicate participant {pid} (first on line {first})"
                )
            lines[pid] = line
            group = row[col["group-id"]].strip()
            xid = row[col["xid"]].strip() if "xid" in col else ""
            if len(xid) > MAX_XID:
                raise PolisFormatError(path.name, line, f"xid has {len(xid)} characters, at most {MAX_XID}")
            new[pid] = PolisParticipant(
                pid, xid or None, _int(path.name, line, "group-id", group, GROUP_RANGE) if group else None
            )
            for i, cid in comment_cols:
                cell = row[i].strip()
                if not cell:
                    continue
                vote = _CELLS.get(cell)
                if vote is None:
                    raise PolisFormatError(
                        path.name,
                        line,
                        f"vote for comment {cid} must be -1, 0, 1 or empty, not {cell[:60]!r}",
                    )
                p_out.append(pid)
                c_out.append(cid)
                v_out.append(vote)
        votes = (
            np.asarray(p_out, dtype=np.int64),
            np.asarray(c_out, dtype=np.int64),
            np.asarray(v_out, dtype=np.int8),
        )
        return new, lines, votes

    def read(block: Block) -> Read:
        got = fast(block)
        return slow(block) if got is None else got

    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for new, lines, votes in joined(
        blocks(path, header, facts, progress, f"Reading {PARTICIPANT_VOTES}"), read
    ):
        participants.update(new)
        first_line.update(lines)
        parts.append(votes)
    p, c, v = (_concatenate([part[i] for part in parts], i) for i in range(3))
    return participants, (p, c, v)


def _read_summary(path: Path) -> dict[str, str]:
    text = _decode(path)
    summary: dict[str, str] = {}
    try:
        for row in csv.reader(io.StringIO(text, newline=""), strict=True):
            if len(row) >= 2:
                summary[row[0].strip()] = row[1]
    except csv.Error as error:
        raise PolisFormatError(path.name, None, csv_problem(error)) from None
    return summary


def _compare_final(
    conversation: PolisConversation, pv: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> list[str]:
    """votes.csv wins; say so when participants-votes.csv tells a different final story.

    The two are compared as sets of (participant, comment, vote) cells, each packed into one integer from the ranks
    of its participant and comment, so 20M cells compare in seconds and a few hundred MiB rather than as tuples.
    """
    pids = np.array([p.participant_id for p in conversation.participants], dtype=np.int64)
    statements = np.array(sorted({c.comment_id for c in conversation.comments}), dtype=np.int64)

    def pairs(p: np.ndarray, c: np.ndarray) -> np.ndarray:
        packed = _ranks(pids, p)
        packed *= max(len(statements), 1)
        packed += _ranks(statements, c)
        return packed

    # The events' final cells: the last event of each pair (the arrays are in event order). In place where it can,
    # since this runs with both files' votes in memory.
    keys = pairs(conversation.vote_participant, conversation.vote_comment)
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    values = conversation.vote_value[order]
    del order
    last = np.ones(len(keys), dtype=bool)
    last[:-1] = keys[1:] != keys[:-1]
    from_events = keys[last]
    del keys
    from_events *= 3
    from_events += values[last] + 1  # sorted, one per cell
    del values, last
    from_matrix = pairs(pv[0], pv[1])
    from_matrix *= 3
    from_matrix += pv[2] + 1
    from_matrix = _sorted_unique(from_matrix, in_place=True)
    if len(from_events) == 0 or len(from_matrix) == 0:
        common = 0
    else:
        at = np.minimum(np.searchsorted(from_events, from_matrix), len(from_events) - 1)
        common = int((from_events[at] == from_matrix).sum())
    differ = len(from_events) + len(from_matrix) - 2 * common
    if differ:
        return [f"{VOTES} and {PARTICIPANT_VOTES} disagree on {differ} cells; {VOTES} was used"]
    return []


def _ranks(ids: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The position of each value in the sorted `ids`, -1 where it is not there: a table lookup when the ids are
    small non-negative numbers (as Pol.is's are), binary search otherwise."""
    if len(ids) == 0:
        return np.full(len(values), -1, dtype=np.int64)
    if ids[0] >= 0 and ids[-1] < 4 * len(ids) + 2**24:
        table = np.full(int(ids[-1]) + 1, -1, dtype=np.int64)
        table[ids] = np.arange(len(ids))
        inside = (values >= 0) & (values <= ids[-1])
        if inside.all():
            found: np.ndarray = table[values]
            return found
        ranks = np.full(len(values), -1, dtype=np.int64)
        ranks[inside] = table[values[inside]]
        return ranks
    at = np.minimum(np.searchsorted(ids, values), len(ids) - 1)
    return np.where(ids[at] == values, at, -1)


def _sorted_unique(values: np.ndarray, *, in_place: bool = False) -> np.ndarray:
    """np.unique by sorting: numpy's hashing np.unique took seconds per million ids here."""
    if in_place:
        values.sort()
    else:
        values = np.sort(values)
    keep = np.ones(len(values), dtype=bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]
