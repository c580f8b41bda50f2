"""How a connector shows itself: repr for the console, an HTML table for notebooks."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

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


def _short(text: str) -> str:
    if len(text) <= MAX_VALUE_CHARS:
        return text
    return text[: MAX_VALUE_CHARS - 1] + "…"


def _value_text(value: Any) -> str:
    from ._state import NdesConnectorState

    if isinstance(value, NdesConnectorState):
        return f"NdesConnectorState.{value.name}"
    if isinstance(value, datetime):
        return f"datetime.fromisoformat({value.isoformat()!r})"
    return repr(value)


def _set_fields(connector: Any) -> list[tuple[str, Any]]:
    items = [(name, getattr(connector, name)) for name in FIELDS]
    items = [(name, value) for name, value in items if value is not None]
    if connector.additional_data:
        items.append(("additional_data", connector.additional_data))
    return items


def connector_repr(connector: Any) -> str:
    """One line for a small connector; one line per field once it grows past 100 columns."""
    parts = [f"{name}={_short(_value_text(value))}" for name, value in _set_fields(connector)]
    line = f"NdesConnector({', '.join(parts)})"
    if len(line) <= 100:
        return line
    body = "".join(f"    {part},\n" for part in parts)
    return f"NdesConnector(\n{body})"


def connector_html(connector: Any) -> str:
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(name)}</th>"
        f"<td style='text-align:left'><code>{html.escape(_short(_value_text(value)))}</code>"
        "</td></tr>"
        for name, value in _set_fields(connector)
    )
    if not rows:
        rows = "<tr><td><em>no fields set</em></td></tr>"
    return f"<table><caption style='text-align:left'><b>NdesConnector</b></caption>{rows}</table>"
