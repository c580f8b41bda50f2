"""JSON from a server or a file, read with one exception for every malformed document.

The standard parser recurses once per nesting level, so ``"[" * 100000`` raises
RecursionError, which no caller expects from bad input and which would leave the client (or
the CLI) as an untyped error. Here it is the JSONDecodeError (a ValueError) any other
malformed document gives."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Pairs = Callable[[list[tuple[str, Any]]], Any]
_TOO_DEEP = "nested deeper than the JSON parser can follow"


def loads(data: bytes | str, object_pairs_hook: Pairs | None = None) -> Any:
    try:
        return json.loads(data, object_pairs_hook=object_pairs_hook)
    except RecursionError:
        raise json.JSONDecodeError(_TOO_DEEP, "", 0) from None


def raw_decode(text: str, pos: int, object_pairs_hook: Pairs | None = None) -> tuple[Any, int]:
    """The value starting at ``pos`` and the index where it ends."""
    try:
        return json.JSONDecoder(object_pairs_hook=object_pairs_hook).raw_decode(text, pos)
    except RecursionError:
        raise json.JSONDecodeError(_TOO_DEEP, text, pos) from None
