"""Rows of a bulk-create file, read lazily with their line numbers: CSV, JSON Lines, or a JSON
array. A row is a dict of fields by Python or wire name; a row that cannot be parsed becomes
an :class:`~ndes._bulk.Unreadable`, reported like an invalid row rather than ending the run."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO, Any

from . import _json
from ._bulk import Unreadable
from ._fields import python_name
from .errors import DecodeError, ValidationError

FORMATS = ("csv", "jsonl", "json")
Row = tuple[int, Any]  # (line number, dict of fields or Unreadable)
#: The most characters of one line held at once; a connector's row is far shorter, and a
#: longer line is read through in pieces of this size and becomes an unreadable row.
MAX_LINE = 1 << 20
#: A JSON array is parsed whole, so a larger file is refused (JSON Lines has no such limit).
MAX_JSON = 64 << 20


class FileError(Exception):
    """The file as a whole cannot be read as rows (a bad CSV header): a usage error."""


class LineTooLong(ValueError):
    pass


class _Lines:
    """The lines of a text stream, each read with at most MAX_LINE characters held: a longer
    one is read through and dropped, and takes its place as LineTooLong. ``number`` is the
    line the last one read ends on."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.number = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        limit = MAX_LINE
        line: str = self._stream.readline(limit)
        if not line:
            raise StopIteration
        self.number += 1
        if len(line) < limit or line.endswith("\n"):
            return line
        while line and not line.endswith("\n"):
            line = self._stream.readline(limit)
        raise LineTooLong(f"a line longer than {limit} characters")


def format_of(name: str, first_line: str) -> str:
    """The format from the file name, else from its first character."""
    lower = name.lower()
    for ext, fmt in ((".csv", "csv"), (".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "json")):
        if lower.endswith(ext):
            return fmt
    start = first_line.lstrip()[:1]
    return "json" if start == "[" else "jsonl" if start == "{" else "csv"


def rows(stream: IO[str], fmt: str) -> Iterator[Row]:
    if fmt == "csv":
        return _csv_rows(stream)
    if fmt == "jsonl":
        return _jsonl_rows(stream)
    text = stream.read(MAX_JSON + 1)
    if len(text) > MAX_JSON:
        raise FileError(
            f"a JSON array over {MAX_JSON >> 20} MiB is not read whole: use JSON Lines "
            "(one object a line), which is read a line at a time"
        )
    return iter(json_array_rows(text))


def count_rows(stream: IO[str], fmt: str) -> int:
    """How many rows a file has (for the progress bar's total), read once without keeping it:
    exactly the rows ``rows`` gives, unreadable ones included."""
    if fmt == "csv":
        return sum(1 for _ in _csv_rows(stream))
    count = 0
    lines = _Lines(stream)
    while True:
        try:
            count += bool(next(lines).strip())
        except StopIteration:
            return count
        except LineTooLong:
            count += 1


def _csv_rows(stream: IO[str]) -> Iterator[Row]:
    lines = _Lines(stream)
    reader = csv.reader(lines)
    header: list[str] | None = None
    names: list[str] = []
    last = 0  # the line the previous record ended on
    while True:
        line = last + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except (csv.Error, LineTooLong) as exc:
            # The reader starts afresh on the next line: one bad record, not the end of the run.
            last = lines.number
            if header is None:
                raise FileError(f"line {line}: {exc}") from None
            yield line, Unreadable(ValidationError("row", str(exc)))
            continue
        last = lines.number
        if not record:
            continue
        if header is None:
            header = [h.strip() for h in record]
            try:
                names = [python_name(h) for h in header]
            except ValueError as exc:
                raise FileError(f"line {line}: column {exc}") from None
            if len(set(names)) != len(names):
                raise FileError(f"line {line}: a column is named twice")
            continue
        if len(record) > len(names):
            error = ValidationError("row", f"{len(record)} cells under {len(names)} columns")
            yield line, Unreadable(error, ",".join(record))
            continue
        fields: dict[str, Any] = {}
        for name, cell in zip(names, record, strict=False):  # a short row leaves the rest unset
            cell = cell.strip()
            if cell == "":
                continue  # an empty cell leaves the field unset
            fields[name] = _tag_ids(cell) if name == "role_scope_tag_ids" else cell
        yield line, fields


def _tag_ids(cell: str) -> Any:
    """roleScopeTagIds in one cell: a JSON array, or ids separated by ';'."""
    if cell.startswith("["):
        try:
            return _json.loads(cell)
        except ValueError:
            return cell  # the C core names the field and what is wrong with it
    return [part.strip() for part in cell.split(";") if part.strip()]


def _jsonl_rows(stream: IO[str]) -> Iterator[Row]:
    lines = _Lines(stream)
    while True:
        try:
            text = next(lines)
        except StopIteration:
            return
        except LineTooLong as exc:
            yield lines.number, Unreadable(DecodeError(str(exc), 0))
            continue
        if not text.strip():
            continue
        try:
            value = _json.loads(text, _fields)
        except ValueError as exc:
            yield lines.number, Unreadable(_decode_error(exc), text.rstrip("\n"))
            continue
        yield lines.number, _object(value, text)


def json_array_rows(text: str) -> list[Row]:
    """The elements of a JSON array with the line each starts on. An array that breaks off is
    read up to the break, which becomes an unreadable row; nothing after it can be told."""
    out: list[Row] = []
    pos = _skip(text, 0)
    line = 1 + text.count("\n", 0, pos)
    if text[pos : pos + 1] != "[":
        return [(line, Unreadable(DecodeError("expected a JSON array", pos)))]
    pos = _skip(text, pos + 1)
    counted = 0
    if text[pos : pos + 1] == "]":
        return out
    while True:
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            value, end = _json.raw_decode(text, pos, _fields)
        except ValueError as exc:
            out.append((line, Unreadable(_decode_error(exc))))
            return out
        out.append((line, _object(value, text[pos:end])))
        pos = _skip(text, end)
        if text[pos : pos + 1] == ",":
            pos = _skip(text, pos + 1)
            continue
        if text[pos : pos + 1] != "]":
            error = DecodeError("expected ',' or ']' after an array element", pos)
            out.append((line + text.count("\n", counted, pos), Unreadable(error)))
        return out


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


class _Doubled(dict[str, Any]):
    """An object that names a key twice: json would keep the last value without a word."""

    twice = ""


def _fields(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in pairs:
        if key in fields:
            doubled = _Doubled(fields)
            doubled.twice = key
            return doubled
        fields[key] = value
    return fields


def _object(value: Any, text: str) -> Any:
    if isinstance(value, _Doubled):
        return Unreadable(ValidationError(value.twice, "given twice in the row"), text.strip())
    if isinstance(value, dict):
        return value
    error = ValidationError("row", f"is a JSON {type(value).__name__}, not an object")
    return Unreadable(error, text.strip())


def _decode_error(exc: ValueError) -> DecodeError:
    return DecodeError(getattr(exc, "msg", str(exc)), int(getattr(exc, "pos", 0)))
