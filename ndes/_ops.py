"""The resource's operations, each a policy generator (see :mod:`ndes._policy`): the same code
runs under the sync client and the async one."""

from __future__ import annotations

import uuid
from typing import Any

from . import _protocol
from ._core import NdesConnector
from ._policy import Call, Operation, Settings, exchange


def new_request_id() -> str:
    return str(uuid.uuid4())


def connector_of(
    connector: NdesConnector | None, fields: dict[str, Any], method_name: str
) -> NdesConnector:
    """The connector a method was given: an NdesConnector, or its fields as keywords."""
    if connector is None:
        return NdesConnector(**fields)
    if fields:
        raise TypeError(f"{method_name}() takes a connector or fields, not both")
    if not isinstance(connector, NdesConnector):
        raise TypeError(f"{method_name}() expects an NdesConnector, got {type(connector).__name__}")
    return connector


def create(settings: Settings, connector: NdesConnector) -> Operation:
    """POST the connector; returns the connector Graph made."""
    client_request_id = new_request_id()
    call = Call(
        "POST",
        settings.base_url + _protocol.COLLECTION,
        connector.to_json(),
        ok=(201,),
        writes=1,
    )
    response = yield from exchange(settings, call, client_request_id)
    return _protocol.read_connector(response, client_request_id)
