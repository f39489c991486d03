"""The two large files of a Pol.is export, read in blocks of whole lines: fast where plainly sound, exact always.

Why two paths: the csv module reads 20M votes in minutes; pyarrow reads them in seconds, but it accepts things
the row-by-row rules refuse (hexadecimal numbers, characters after a closing quote, fields over the csv module's
size limit) and it cannot say on which line a value is wrong. So pyarrow only ever decides "this block is
certainly fine": a block goes to it only when it is plainly well-formed (no quote, no bare carriage return, no
"0x", no line longer than the csv module's field limit), and what it returns is checked with numpy against the
same rules. Any other block (one pyarrow refuses, or one whose values break a rule) is read again line by line by
the csv module under the row-by-row rules, which raise the message naming the line, or accept what pyarrow could
not parse (" 7 ", "+5"). A block that ends inside a quoted field is joined to the next one first.

Before any row is judged, the whole file is checked for UTF-8 and emptiness in one streaming pass (the row-by-row
reader decoded the whole file first, so an encoding error anywhere wins over a bad value on an earlier line).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from workingup.errors import csv_problem
from workingup.polis.model import PolisFormatError

BLOCK_BYTES = 16 * 2**20
"""Bytes read at a time: large enough that pyarrow's per-block cost vanishes, small enough to bound memory."""
BOM = b"\xef\xbb\xbf"
_ASCII_WHITESPACE = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
"""What str.strip() removes among ASCII characters (bytes.strip() leaves out the last four)."""

T = TypeVar("T")

Progress = Callable[[str, int, int], None]
"""(task, bytes just read, file size): the same shape as the services' progress callbacks."""


@dataclass(frozen=True, slots=True)
class TextFacts:
    """What the streaming check learned about a whole file, for messages that depend on its end."""

    size: int
    bom: int
    """3 when the file starts with a UTF-8 byte order mark (skipped, as the utf-8-sig codec does), else 0."""
    newlines: int
    """How many b"\\n" the file holds: the row-by-row reader's test for "the file looks truncated" counts them."""
    ends_with_newline: bool


def check_text(path: Path) -> TextFacts:
    """Refuse a missing, non-UTF-8 or blank file, reading it once in blocks (never whole)."""
    if not path.exists():
        raise PolisFormatError(path.name, None, f"is missing from {path.parent}")
    size = path.stat().st_size
    newlines = 0
    blank = True
    last = b""
    with path.open("rb") as handle:
        bom = len(BOM) if handle.read(len(BOM)) == BOM else 0
        handle.seek(bom)
        pending = b""  # the start of a multi-byte character cut by the block boundary
        while True:
            chunk = handle.read(BLOCK_BYTES)
            final = not chunk
            data = pending + chunk if pending else chunk
            if data.isascii():
                consumed = len(data)
                if blank and data.translate(None, _ASCII_WHITESPACE):
                    blank = False
            else:
                try:
                    text, consumed = codecs.utf_8_decode(data, "strict", final)
                except UnicodeDecodeError as error:
                    line = newlines + data.count(b"\n", 0, error.start) + 1
                    raise PolisFormatError(
                        path.name,
                        line,
                        f"is not valid UTF-8 (byte 0x{data[error.start]:02x}); save the file as UTF-8",
                    ) from None
                if blank and text.strip():
                    blank = False
            newlines += data.count(b"\n", 0, consumed)
            if consumed:
                last = data[consumed - 1 : consumed]
            pending = data[consumed:]
            if final:
                break
    if blank:
        raise PolisFormatError(path.name, None, "is empty (no header row)")
    return TextFacts(size=size, bom=bom, newlines=newlines, ends_with_newline=last in (b"\n", b"\r"))


def _lines(text: str, consumed: list[int]) -> Iterator[str]:
    """The lines the csv module would read from `text`, counting the characters handed out in `consumed[0]`."""
    for line in io.StringIO(text, newline=""):
        consumed[0] += len(line)
        yield line


@dataclass(frozen=True, slots=True)
class Header:
    names: list[str]
    lines: int
    """Lines the header row spans (1 unless a quoted name holds a line break)."""
    body: int
    """Byte offset of the first line after the header."""


def read_header(path: Path, facts: TextFacts, required: tuple[str, ...]) -> Header:
    """The header row, stripped, with the row-by-row reader's checks and messages (missing, duplicate columns)."""
    want = 2**20
    with path.open("rb") as handle:
        while True:
            handle.seek(facts.bom)
            data = handle.read(want)
            at_end = facts.bom + len(data) >= facts.size
            if not at_end:
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    want *= 2
                    continue
                data = data[:cut]
            consumed = [0]
            text = data.decode("utf-8")
            reader = csv.reader(_lines(text, consumed), strict=True)
            try:
                row = next(reader)
            except csv.Error as error:
                if not at_end:
                    want *= 2  # a quoted name may run past this block: read more before judging
                    continue
                raise PolisFormatError(path.name, 1, f"unreadable header: {csv_problem(error)}") from None
            break
    header = [h.strip() for h in row]
    missing = [name for name in required if name not in header]
    if missing:
        raise PolisFormatError(
            path.name, 1, f"missing column {', '.join(repr(m) for m in missing)} (found: {', '.join(header)})"
        )
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise PolisFormatError(path.name, 1, f"duplicate column {', '.join(repr(d) for d in duplicated)}")
    body = facts.bom + len(text[: consumed[0]].encode("utf-8"))
    return Header(names=header, lines=reader.line_num, body=body)


@dataclass(frozen=True, slots=True)
class Block:
    data: bytes
    first_line: int
    """The csv module's line number of the block's first line."""
    last: bool
    """Nothing follows: a quoted field still open at its end is an error, not a block boundary."""


def line_count(data: bytes) -> int:
    r"""Lines as the csv module counts them: a line ends at \n, \r\n or a lone \r."""
    returns = data.count(b"\r")
    return data.count(b"\n") + (returns - data.count(b"\r\n") if returns else 0)


def blocks(
    path: Path, header: Header, facts: TextFacts, progress: Progress | None, task: str
) -> Iterator[Block]:
    """The body of the file in blocks that end at a line end, each with the line number it starts on."""
    line = header.lines + 1
    with path.open("rb") as handle:
        handle.seek(header.body)
        carry = b""
        position = header.body
        while True:
            chunk = handle.read(BLOCK_BYTES)
            data = carry + chunk if carry else chunk
            position += len(chunk)
            at_end = position >= facts.size or not chunk
            if at_end:
                cut = len(data)
            else:
                cut = data.rfind(b"\n") + 1
                if cut == 0:  # no line end yet (one very long line): read on
                    carry = data
                    continue
            block, carry = data[:cut], data[cut:]
            if block:
                yield Block(block, line, at_end)
                if progress is not None:
                    progress(task, len(block), facts.size)
                line += line_count(block)
            if at_end:
                return


def plainly_well_formed(data: bytes, *, blank_lines: bool = True) -> bool:
    r"""Whether pyarrow and the csv module certainly split this block into the same fields with the same values.

    Without a quote, both split at commas and line ends alike; a lone \r is a line end to both but would make
    line counting per row harder, so it is left to the csv module; "0x" would be read as hexadecimal by pyarrow;
    a line longer than the csv module's field limit may hold a field it refuses. With `blank_lines` False, a
    block with an empty line is also declined (its rows then map one to one onto lines).
    """
    if b'"' in data or data.startswith(BOM):  # pyarrow skips a byte order mark at the start of what it reads
        return False
    if (b"x" in data and b"0x" in data) or (b"X" in data and b"0X" in data):  # "x" alone: memchr, fast
        return False
    returns = data.count(b"\r")
    if returns and returns != data.count(b"\r\n"):
        return False
    if not blank_lines and (b"\n\n" in data or b"\n\r\n" in data or data.startswith((b"\n", b"\r\n"))):
        return False
    limit = csv.field_size_limit()
    if len(data) > limit and not _short_lines(data, limit):
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n"))
        if len(ends) == 0 or ends[0] >= limit or len(data) - 1 - ends[-1] > limit:
            return False
        if len(ends) > 1 and int(np.diff(ends).max()) > limit:
            return False
    return True


def _short_lines(data: bytes, limit: int) -> bool:
    """True when every line is certainly shorter than `limit`: every aligned window of limit/2 bytes holds a
    line end (a longer line would cover one whole window), which takes a few hundred `find`s, not a full scan."""
    step = max(limit // 2, 1)
    return all(data.find(b"\n", start, start + step) >= 0 for start in range(0, len(data) - step + 1, step))


class NeedMore(Exception):
    """The block ended inside a quoted field: join it to the next block and read again."""


def slow_rows(block: Block, file: str, width: int, facts: TextFacts) -> Iterator[tuple[int, list[str]]]:
    """(line, row) of every non-empty row of the block, by the csv module, with the row-by-row reader's checks.

    Raises NeedMore when the block ends inside a quoted field and more of the file follows.
    """
    text = block.data.decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    offset = block.first_line - 1
    total = line_count(block.data) + (0 if text.endswith(("\n", "\r")) or not text else 1)
    start = block.first_line
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if not block.last and reader.line_num >= total:
                raise NeedMore from None
            raise PolisFormatError(file, start, csv_problem(error)) from None
        if row and len(row) != width:
            at_end = offset + reader.line_num >= facts.newlines + (0 if facts.ends_with_newline else 1)
            hint = "; the file looks truncated" if at_end and len(row) < width else ""
            raise PolisFormatError(file, start, f"has {len(row)} fields, expected {width}{hint}")
        if row:
            yield start, row
        start = offset + reader.line_num + 1


def joined(source: Iterator[Block], read: Callable[[Block], T]) -> Iterator[T]:
    """`read` of each block, joining a block that ends inside a quoted field to the next one and reading again.

    `read` must change nothing outside what it returns, since a block it gives up on (NeedMore) is read again.
    """
    pending: Block | None = None
    for block in source:
        if pending is not None:
            block = Block(pending.data + block.data, pending.first_line, block.last)
            pending = None
        try:
            yield read(block)
        except NeedMore:
            pending = block
