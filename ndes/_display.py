"""How connectors show themselves: repr for the console, HTML tables for notebooks, and a
pandas DataFrame on request. A table shows values as a person reads them (``active``,
``2026-11-28 09:30:00 UTC``), not as Python literals; repr stays a Python expression."""

from __future__ import annotations

import html
from datetime import datetime
from typing import TYPE_CHECKING, Any, SupportsIndex, overload

if TYPE_CHECKING:
    from ._core import NdesConnector

FIELDS = (
    "id",
    "display_name",
    "state",
    "last_connection_date_time",
    "enrolled_date_time",
    "machine_name",
    "connector_version",
    "role_scope_tag_ids",
)

# A value longer than this is cut in the display, so that a field never floods a screen.
MAX_VALUE_CHARS = 120

_LEFT = "style='text-align:left'"


def _short(text: str) -> str:
    if len(text) <= MAX_VALUE_CHARS:
        return text
    return text[: MAX_VALUE_CHARS - 1] + "…"


def _value_repr(value: Any) -> str:
    from ._state import NdesConnectorState

    if isinstance(value, NdesConnectorState):
        return f"NdesConnectorState.{value.name}"
    if isinstance(value, datetime):
        return f"datetime.fromisoformat({value.isoformat()!r})"
    return repr(value)


def plain_text(value: Any) -> str:
    """A value as a person reads it: the state's value, a date with its offset (UTC for a zero
    one), a list joined by commas, additional data as JSON."""
    from ._state import NdesConnectorState

    if value is None:
        return ""
    if isinstance(value, NdesConnectorState):
        return value.value
    if isinstance(value, datetime):
        text = value.isoformat(sep=" ")
        return text[:-6] + " UTC" if text.endswith("+00:00") else text
    if isinstance(value, (list, tuple)):
        return ", ".join(plain_text(item) for item in value)
    if isinstance(value, dict):
        import json

        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _set_fields(connector: Any) -> list[tuple[str, Any]]:
    items = [(name, getattr(connector, name)) for name in FIELDS]
    items = [(name, value) for name, value in items if value is not None]
    if connector.additional_data:
        items.append(("additional_data", connector.additional_data))
    return items


def connector_repr(connector: Any) -> str:
    """One line for a small connector; one line per field once it grows past 100 columns."""
    parts = [f"{name}={_short(_value_repr(value))}" for name, value in _set_fields(connector)]
    line = f"NdesConnector({', '.join(parts)})"
    if len(line) <= 100:
        return line
    body = "".join(f"    {part},\n" for part in parts)
    return f"NdesConnector(\n{body})"


def _cell(value: Any) -> str:
    return html.escape(_short(plain_text(value)))


def connector_html(connector: Any) -> str:
    rows = "".join(
        f"<tr><th {_LEFT}>{html.escape(name)}</th><td {_LEFT}>{_cell(value)}</td></tr>"
        for name, value in _set_fields(connector)
    )
    if not rows:
        rows = "<tr><td><em>no fields set</em></td></tr>"
    return f"<table><caption {_LEFT}><b>NdesConnector</b></caption>{rows}</table>"


def _columns(connectors: list[Any]) -> list[str]:
    """The fields set on at least one connector, in wire order."""
    names = [n for n in FIELDS if any(getattr(c, n) is not None for c in connectors)]
    if any(c.additional_data for c in connectors):
        names.append("additional_data")
    return names


class Connectors(list["NdesConnector"]):
    """A list of NdesConnector that shows as one table in a notebook (a row per connector,
    a column per field set on any of them) and becomes a pandas DataFrame with
    :meth:`to_pandas`. What ``Client.list()`` gathers, and what a page of it holds."""

    __slots__ = ()

    @overload
    def __getitem__(self, index: SupportsIndex) -> NdesConnector: ...
    @overload
    def __getitem__(self, index: slice) -> Connectors: ...
    def __getitem__(self, index: SupportsIndex | slice) -> NdesConnector | Connectors:
        # A slice stays a Connectors, so that items[:10] still shows as a table.
        if isinstance(index, slice):
            return Connectors(super().__getitem__(index))
        return super().__getitem__(index)

    def _repr_html_(self) -> str:
        columns = _columns(self)
        caption = f"<caption {_LEFT}><b>{len(self)} NdesConnector</b></caption>"
        if not self:
            return f"<table>{caption}<tr><td><em>no connectors</em></td></tr></table>"
        head = "".join(f"<th {_LEFT}>{html.escape(n)}</th>" for n in columns)
        rows = "".join(
            "<tr>"
            + "".join(f"<td {_LEFT}>{_cell(getattr(c, n) or None)}</td>" for n in columns)
            + "</tr>"
            for c in self
        )
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"

    def to_pandas(self) -> Any:
        """A pandas DataFrame, a row per connector and a column per field (Python names): dates
        as timezone-aware timestamps, the state as its string value. Needs pandas."""
        import importlib

        try:
            # Through importlib, so that the type checkers need no pandas stubs.
            pandas = importlib.import_module("pandas")
        except ImportError:
            raise ImportError("to_pandas() needs pandas: pip install pandas") from None
        from ._state import NdesConnectorState

        def value(connector: Any, name: str) -> Any:
            v = getattr(connector, name)
            if name == "additional_data":
                return v or None
            return v.value if isinstance(v, NdesConnectorState) else v

        columns = [*FIELDS, "additional_data"] if any(c.additional_data for c in self) else FIELDS
        return pandas.DataFrame(
            [[value(c, n) for n in columns] for c in self], columns=list(columns)
        )
