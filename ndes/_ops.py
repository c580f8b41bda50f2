"""The resource's operations, each a policy generator (see :mod:`ndes._policy`): the same code
runs under the sync client and the async one."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from . import _protocol
from ._core import NdesConnector
from ._policy import Call, Operation, Settings, exchange


def new_request_id() -> str:
    return str(uuid.uuid4())


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


def create_many(
    settings: Settings,
    items: Iterable[Any],
    *,
    if_absent: bool = False,
    key: str = "display_name",
    batch_size: int = 20,
    on_progress: Callable[[int, int | None], Any] | None = None,
) -> Operation:
    """Creates every item through JSON $batch; returns a BulkResult (see :mod:`ndes._bulk`)."""
    from . import _bulk

    return _bulk.create_many(
        settings,
        items,
        if_absent=if_absent,
        key=key,
        batch_size=batch_size,
        on_progress=on_progress,
    )


# STAND-IN until branch `resource` lands: the lead drops the two lines below and
# ndes/_resource_standin.py.
from ._resource_standin import first_page_url as first_page_url  # noqa: E402
from ._resource_standin import list_page as list_page  # noqa: E402
