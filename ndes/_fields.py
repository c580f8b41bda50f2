"""The connector's fields as keywords, in one place for every signature that takes them.

``NdesConnector(**fields)``, ``create(**fields)`` (and later ``update``, ``get_or_create``) are
typed ``**fields: Unpack[ConnectorFields]``, so that a type checker flags a misspelt keyword
(``displayname=``) and an IDE completes the right ones. Only type checkers read this module;
import it under ``TYPE_CHECKING``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from datetime import datetime

    from ._state import NdesConnectorState

# A value of additional_data: what json.loads gives.
JSONValue = None | bool | int | float | str | list[Any] | dict[str, Any]

__all__ = ["ConnectorFields", "JSONValue"]


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
