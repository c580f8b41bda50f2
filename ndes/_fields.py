"""The connector's fields in one place: their Python and wire names, a connector from a dict
keyed by either, and the keyword fields as a TypedDict for every signature that takes them.

Rows from files and dicts from scripts name fields either way; both land on the constructor,
so the C core validates them exactly as it validates keyword arguments. ``NdesConnector``,
``create``, ``update`` and ``get_or_create`` type their keywords as
``**fields: Unpack[ConnectorFields]``, so that a type checker flags a misspelt keyword
(``displayname=``) and an IDE completes the right ones."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from ._core import NdesConnector
from .errors import ValidationError

if TYPE_CHECKING:
    from datetime import datetime

    from ._state import NdesConnectorState

ODATA_TYPE = "#microsoft.graph.ndesConnector"

#: Python name -> wire name, in wire order.
WIRE_NAMES = {
    "id": "id",
    "last_connection_date_time": "lastConnectionDateTime",
    "state": "state",
    "display_name": "displayName",
    "enrolled_date_time": "enrolledDateTime",
    "machine_name": "machineName",
    "connector_version": "connectorVersion",
    "role_scope_tag_ids": "roleScopeTagIds",
}
#: Either name -> Python name.
PYTHON_NAMES = {**{w: p for p, w in WIRE_NAMES.items()}, **{p: p for p in WIRE_NAMES}}


def python_name(name: str) -> str:
    """The Python name of a field given by either name; ValueError for anything else."""
    try:
        return PYTHON_NAMES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"{name!r} is not a property of ndesConnector; one of {', '.join(WIRE_NAMES)} "
            "(or its wire name)"
        ) from None


def connector_from_fields(fields: dict[Any, Any]) -> NdesConnector:
    """A connector from a dict keyed by Python or wire names. ``@odata.type`` may be present
    (with the connector's own type); any other key is a ValidationError naming it, since Graph
    refuses properties it does not know."""
    kwargs: dict[str, Any] = {}
    for name, value in fields.items():
        py = PYTHON_NAMES.get(name) if isinstance(name, str) else None
        if py is None:
            if name == "@odata.type" and value == ODATA_TYPE:
                continue
            raise ValidationError(str(name), "not a property of ndesConnector")
        if py in kwargs:
            raise ValidationError(WIRE_NAMES[py], "given twice (by its Python and its wire name)")
        kwargs[py] = value
    return NdesConnector(**kwargs)


# A value of additional_data: what json.loads gives.
JSONValue = None | bool | int | float | str | list[Any] | dict[str, Any]


class ConnectorFields(TypedDict, total=False):
    """Keyword fields of a connector; any subset may be given, ``None`` leaves one unset."""

    id: str | None
    display_name: str | None
    state: NdesConnectorState | str | None
    last_connection_date_time: datetime | str | None
    enrolled_date_time: datetime | str | None
    machine_name: str | None
    connector_version: str | None
    role_scope_tag_ids: list[str] | tuple[str, ...] | None
    additional_data: dict[str, JSONValue] | None
