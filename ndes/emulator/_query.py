"""The OData query options the emulator understands on the collection: `$filter` (eq, ne,
and, or, parentheses, on the string and enum properties, with '' inside quotes), `$select`,
`$orderby`, `$top`, and server-driven paging with `$skiptoken`."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .._fields import WIRE_NAMES
from .._protocol import FILTERABLE

Doc = dict[str, Any]
PROPERTIES = tuple(WIRE_NAMES.values())
FILTER_PROPERTIES = tuple(WIRE_NAMES[name] for name in FILTERABLE)
_TOKEN = re.compile(r"\s*(?:(\(|\))|'((?:[^']|'')*)'|([A-Za-z_][\w.]*))")
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() also takes "²", which int() refuses
#: Parentheses nested deeper are refused, as OData parsers cap the depth: each level is a few
#: frames of recursion here.
MAX_DEPTH = 100


class QueryError(ValueError):
    """A query option Graph would answer 400 to; the message is Graph's kind of message."""


def _property(name: str, allowed: tuple[str, ...] = PROPERTIES) -> str:
    if name not in PROPERTIES:
        raise QueryError(
            f"Could not find a property named '{name}' on type 'microsoft.graph.ndesConnector'."
        )
    if name not in allowed:
        raise QueryError(f"The property '{name}' cannot be used in a $filter comparison here.")
    return name


def parse_filter(text: str) -> Callable[[Doc], bool]:
    """A predicate over a stored connector's document."""
    tokens: list[tuple[str, str]] = []  # (kind, text): "punct", "string", "word"
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise QueryError(f"Syntax error at position {pos} in '{text}'.")
        punct, string, word = m.groups()
        if punct:
            tokens.append(("punct", punct))
        elif string is not None:
            tokens.append(("string", string.replace("''", "'")))
        else:
            tokens.append(("word", word))
        pos = m.end()
    at = 0

    def peek() -> tuple[str, str] | None:
        return tokens[at] if at < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal at
        if at >= len(tokens):
            raise QueryError(f"Syntax error: '{text}' ends too early.")
        at += 1
        return tokens[at - 1]

    def either(word: str, sub: Callable[[], Callable[[Doc], bool]]) -> Callable[[Doc], bool]:
        parts = [sub()]
        while peek() == ("word", word):
            take()
            parts.append(sub())
        if len(parts) == 1:
            return parts[0]
        combine = any if word == "or" else all
        return lambda doc: combine(p(doc) for p in parts)

    def expression() -> Callable[[Doc], bool]:
        return either("or", conjunction)

    def conjunction() -> Callable[[Doc], bool]:
        return either("and", comparison)

    depth = 0

    def comparison() -> Callable[[Doc], bool]:
        nonlocal depth
        kind, value = take()
        if (kind, value) == ("punct", "("):
            depth += 1
            if depth > MAX_DEPTH:
                raise QueryError(f"The $filter nests parentheses deeper than {MAX_DEPTH} levels.")
            inner = expression()
            depth -= 1
            if take() != ("punct", ")"):
                raise QueryError(f"Syntax error: ')' expected in '{text}'.")
            return inner
        if kind != "word":
            raise QueryError(f"Syntax error: a property expected in '{text}'.")
        name = _property(value, FILTER_PROPERTIES)
        op = take()
        if op not in (("word", "eq"), ("word", "ne")):
            raise QueryError(f"Syntax error: 'eq' or 'ne' expected after '{name}'.")
        literal_kind, literal = take()
        if literal_kind == "word" and literal == "null":
            wanted = None
        elif literal_kind == "string":
            wanted = literal
        else:
            raise QueryError(f"Syntax error: a string literal expected after '{name} {op[1]}'.")
        if op[1] == "eq":
            return lambda doc: doc.get(name) == wanted
        return lambda doc: doc.get(name) != wanted

    predicate = expression()
    if at != len(tokens):
        raise QueryError(f"Syntax error at '{tokens[at][1]}' in '{text}'.")
    return predicate


def parse_select(text: str) -> list[str]:
    return [_property(name.strip()) for name in text.split(",")]


def order(docs: list[Doc], text: str) -> list[Doc]:
    """Sorted as `$orderby` says: `name [asc|desc]`, comma-separated; nulls first."""
    keys = []
    for item in text.split(","):
        words = item.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise QueryError(f"Syntax error in $orderby '{text}'.")
        keys.append((_property(words[0]), len(words) == 2 and words[1] == "desc"))
    for name, descending in reversed(keys):  # stable sorts, the last key first

        def key(doc: Doc, name: str = name) -> tuple[bool, str]:
            return doc.get(name) is not None, str(doc.get(name) or "")

        docs = sorted(docs, key=key, reverse=descending)
    return docs


def parse_top(text: str) -> int:
    if not _DIGITS.fullmatch(text):
        raise QueryError(f"Invalid value '{text}' for $top query option found.")
    return int(text)


def parse_skiptoken(text: str) -> int:
    if not _DIGITS.fullmatch(text):
        raise QueryError("The skip token is invalid or has expired.")
    return int(text)
