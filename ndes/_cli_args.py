"""What the ``ndes`` command checks in its arguments before anything runs: each bad value is
one usage line (exit 2) that names the command's option, never the library's parameter, and
never a traceback."""

from __future__ import annotations

import argparse
import math
from typing import Any, NoReturn

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    """argparse's parser, with its errors on one line: the usage it would print first is what
    ``--help`` is for."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def seconds(text: str) -> float:
    """A time in seconds: a finite number above 0 (``inf``, ``nan``, 0 and less are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a finite number of seconds above 0")
    return value


def count(low: int, high: int | None = None) -> Any:
    """An argument type: a whole number from ``low`` (to ``high``, when given)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            within = f"from {low} to {high}" if high is not None else f"{low} or more"
            raise argparse.ArgumentTypeError(f"{text!r}: give a number {within}")
        return value

    parse.__name__ = "count"  # argparse names the type in some of its messages
    return parse


def json_object(text: str) -> dict[str, Any]:
    """``--additional-data``: a JSON object of extra properties (wire names to JSON values)."""
    import json

    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from None
    if not isinstance(value, dict) or not value:
        what = "an empty object" if isinstance(value, dict) else f"a {type(value).__name__}"
        example = "'{\"newBetaProperty\": 1}'"
        raise argparse.ArgumentTypeError(
            f"a JSON object of properties is needed, not {what}, e.g. {example}"
        )
    return value


def host(text: str) -> str:
    """``--host``: a name or an address; an IPv6 one may come in URL brackets (``[::1]``)."""
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if not text:
        raise argparse.ArgumentTypeError("a host name or address is needed")
    return text
