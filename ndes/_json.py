"""JSON from a server or a file, read with one exception for every malformed document.

The standard parser recurses once per nesting level, so ``"[" * 100000`` raises
RecursionError, which no caller expects from bad input and which would leave the client (or
the CLI) as an untyped error. Here it is the JSONDecodeError (a ValueError) any other
malformed document gives."""

from __future__ import annotations

import json
from typing import Any

_DECODER = json.JSONDecoder()
_TOO_DEEP = "nested deeper than the JSON parser can follow"


def loads(data: bytes | str) -> Any:
    try:
        return json.loads(data)
    except RecursionError:
        raise json.JSONDecodeError(_TOO_DEEP, "", 0) from None


def raw_decode(text: str, pos: int) -> tuple[Any, int]:
    """The value starting at ``pos`` and the index where it ends."""
    try:
        return _DECODER.raw_decode(text, pos)
    except RecursionError:
        raise json.JSONDecodeError(_TOO_DEEP, text, pos) from None
