"""The resource's operations, each a policy generator (see :mod:`ndes._policy`): the same code
runs under the sync client and the async one."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
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


class Pages:
    """One listing's state between pages: the URL to fetch next and how many connectors ``top``
    still allows. Both clients' ``list_pages`` loop over it, so the paging rules exist once::

        while (operation := pages.next_operation()) is not None:
            yield pages.take(run(operation))
    """

    def __init__(
        self,
        settings: Settings,
        *,
        filter: str | None,
        select: str | Iterable[str] | None,
        top: int | None,
        orderby: str | Iterable[str] | None,
    ) -> None:
        self._settings = settings
        # first_page_url, list_page and within_top are the resource branch's, beside this once
        # merged (hence the noqa on this branch).
        self._url: str | None = first_page_url(  # noqa: F821
            settings, filter=filter, select=select, top=top, orderby=orderby
        )
        self._left = top

    def next_operation(self) -> Operation | None:
        """The GET of the next page, or None when the listing is done."""
        return None if self._url is None else list_page(self._settings, self._url)  # noqa: F821

    def take(self, answer: tuple[list[NdesConnector], str | None]) -> list[NdesConnector]:
        """The connectors of a page's answer that ``top`` allows; notes where to go next."""
        page, next_url = answer
        page, self._left, self._url = within_top(page, self._left, next_url)  # noqa: F821
        return page
