"""What a bulk create hands back: one entry per input, in input order, and the counts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

from ._core import NdesConnector
from .errors import NdesError

CREATED = (
    "created"  # Graph made it (or, with if_absent, it was found there after an unknown outcome)
)
EXISTING = "existing"  # if_absent: a connector with the key's value was already there
INVALID = "invalid"  # refused by the C core before sending; never sent
ERROR = "error"  # Graph refused it, or it was never sent; it does not exist
UNKNOWN = "unknown"  # it may or may not exist (OutcomeUnknownError)
STATUSES = (CREATED, EXISTING, INVALID, ERROR, UNKNOWN)


@dataclass(frozen=True)
class BulkEntry:
    """The outcome of one input.

    ``connector`` is the connector in Graph (created or existing), else None. ``error`` says
    why not (a ValidationError for invalid, a GraphError or other NdesError for error, an
    OutcomeUnknownError for unknown). ``input`` is kept only for the inputs that did not make
    it: the validated connector for error and unknown (ready to send again), the item as given
    for invalid."""

    index: int
    status: str
    connector: NdesConnector | None = None
    error: NdesError | None = None
    input: Any = None

    @property
    def ok(self) -> bool:
        return self.status == CREATED or self.status == EXISTING


class BulkResult(Sequence[BulkEntry]):
    """Entries in input order (``result[i]`` is input ``i``) and ``counts`` by status."""

    def __init__(self, entries: list[BulkEntry]) -> None:
        self._entries = entries
        self.counts = dict.fromkeys(STATUSES, 0)
        for entry in entries:
            self.counts[entry.status] += 1

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, i: int) -> BulkEntry: ...
    @overload
    def __getitem__(self, i: slice) -> list[BulkEntry]: ...
    def __getitem__(self, i: int | slice) -> BulkEntry | list[BulkEntry]:
        return self._entries[i]

    def __iter__(self) -> Iterator[BulkEntry]:
        return iter(self._entries)

    @property
    def ok(self) -> bool:
        """Every input was created or already existed."""
        return self.counts[CREATED] + self.counts[EXISTING] == len(self._entries)

    @property
    def connectors(self) -> list[NdesConnector]:
        """The connectors in Graph (created or existing), in input order."""
        return [e.connector for e in self._entries if e.connector is not None]

    def failed(self) -> list[BulkEntry]:
        """The entries that are not ok (invalid, error, unknown), in input order."""
        return [e for e in self._entries if not e.ok]

    def to_retry(self) -> list[NdesConnector]:
        """The inputs worth sending again: those Graph refused or whose outcome is unknown.
        Send them with ``if_absent=True`` so that an unknown one that did land is found rather
        than made twice. Invalid inputs are left out: they need fixing first."""
        return [e.input for e in self._entries if e.status in (ERROR, UNKNOWN)]

    def summary(self) -> str:
        return ", ".join(f"{n} {status}" for status, n in self.counts.items())

    def __repr__(self) -> str:
        return f"BulkResult({len(self._entries)} inputs: {self.summary()})"
