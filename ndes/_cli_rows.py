"""Rows of a bulk-create file, read lazily with their line numbers: CSV, JSON Lines, or a JSON
array. A row is a dict of fields by Python or wire name; a row that cannot be parsed becomes
an :class:`~ndes._bulk.Unreadable`, reported like an invalid row rather than ending the run."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO, Any

from ._bulk import Unreadable
from ._fields import python_name
from .errors import DecodeError, ValidationError

FORMATS = ("csv", "jsonl", "json")
Row = tuple[int, Any]  # (line number, dict of fields or Unreadable)


class FileError(Exception):
    """The file as a whole cannot be read as rows (a bad CSV header): a usage error."""


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
    return iter(json_array_rows(stream.read()))


def count_rows(stream: IO[str], fmt: str) -> int:
    """How many rows a file has (for the progress bar's total), read once without keeping it."""
    if fmt == "csv":
        return max(0, sum(1 for r in csv.reader(stream) if r) - 1)
    return sum(1 for line in stream if line.strip())


def _csv_rows(stream: IO[str]) -> Iterator[Row]:
    reader = csv.reader(stream)
    header: list[str] | None = None
    names: list[str] = []
    last = 0  # the line the previous record ended on
    for record in reader:
        line, last = last + 1, reader.line_num
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
            return json.loads(cell)
        except ValueError:
            return cell  # the C core names the field and what is wrong with it
    return [part.strip() for part in cell.split(";") if part.strip()]


def _jsonl_rows(stream: IO[str]) -> Iterator[Row]:
    for line, text in enumerate(stream, 1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except ValueError as exc:
            yield line, Unreadable(_decode_error(exc), text.rstrip("\n"))
            continue
        yield line, _object(value, text)


def json_array_rows(text: str) -> list[Row]:
    """The elements of a JSON array with the line each starts on. An array that breaks off is
    read up to the break, which becomes an unreadable row; nothing after it can be told."""
    decoder = json.JSONDecoder()
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
            value, end = decoder.raw_decode(text, pos)
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


def _object(value: Any, text: str) -> Any:
    if isinstance(value, dict):
        return value
    error = ValidationError("row", f"is a JSON {type(value).__name__}, not an object")
    return Unreadable(error, text.strip())


def _decode_error(exc: ValueError) -> DecodeError:
    return DecodeError(getattr(exc, "msg", str(exc)), int(getattr(exc, "pos", 0)))
