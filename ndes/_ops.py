"""The resource's operations, each a policy generator (see :mod:`ndes._policy`): the same code
runs under the sync client and the async one."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urljoin

from . import _protocol, errors
from ._core import NdesConnector
from ._fields import WIRE_NAMES, python_name
from ._policy import Call, Operation, Settings, exchange
from ._policy import _append as _policy_append


def new_request_id() -> str:
    """A random (version 4) UUID, as ``str(uuid.uuid4())`` writes it; made here because the
    uuid module imports platform, which costs more than the rest of a create's imports."""
    b = bytearray(os.urandom(16))
    b[6] = b[6] & 0x0F | 0x40  # version 4
    b[8] = b[8] & 0x3F | 0x80  # the RFC 4122 variant
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def connector_of(
    connector: NdesConnector | None, fields: Mapping[str, Any], method_name: str
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


def get(settings: Settings, connector_id: str) -> Operation:
    """GET one connector by id."""
    url = _protocol.item_url(settings.base_url, connector_id)
    client_request_id = new_request_id()
    response = yield from exchange(settings, Call("GET", url), client_request_id)
    return _protocol.read_connector(response, client_request_id)


def first_page_url(
    settings: Settings,
    *,
    filter: str | None = None,
    select: str | Iterable[str] | None = None,
    top: int | None = None,
    orderby: str | Iterable[str] | None = None,
) -> str:
    """The collection's URL with the query options: `select` and `orderby` take Python or wire
    names (`orderby` items may end in ` asc`/` desc`) and send wire names."""
    query: dict[str, str] = {}
    if filter is not None:
        query["$filter"] = filter
    if select is not None:
        names = _names(select, "select")
        query["$select"] = ",".join(_protocol.wire_name(n.strip()) for n in names)
    if top is not None:
        if isinstance(top, bool) or not isinstance(top, int) or top < 1:
            raise ValueError(f"top must be a positive int, not {top!r}")
        query["$top"] = str(top)
    if orderby is not None:
        items = _names(orderby, "orderby")
        ordered = []
        for item in items:
            name, _, direction = item.strip().partition(" ")
            ordered.append(" ".join([_protocol.wire_name(name), *direction.split()]))
        query["$orderby"] = ",".join(ordered)
    return _protocol.collection_url(settings.base_url, query)


def _names(given: str | Iterable[str], option: str) -> list[str]:
    names = given.split(",") if isinstance(given, str) else list(given)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"{option} takes names as str, not {type(name).__name__}")
    return names


class PageTrail:
    """The pages one walk through the collection has read. ``visit(url)`` comes before each
    page is read (list_pages in both clients, every loop here): a next link back to a page
    already read (a page linking to itself, an empty link, a cycle) or a walk past
    ``settings.max_pages`` pages is UnexpectedResponseError, raised before that request is
    sent. A server that pages in a circle, or for ever, must not hold the caller, nor what it
    collects, for ever; the caller keeps the pages before the error."""

    def __init__(self, settings: Settings) -> None:
        self._max = settings.max_pages
        self._seen: set[str] = set()

    def visit(self, url: str) -> None:
        if url in self._seen:
            raise errors.UnexpectedResponseError(
                200, f"@odata.nextLink {url!r} leads back to a page already read; not read again"
            )
        if len(self._seen) >= self._max:
            raise errors.UnexpectedResponseError(
                200, f"more than {self._max} pages (max_pages); the next one was not read"
            )
        self._seen.add(url)


def each_page(
    settings: Settings, url: str, take: Callable[[list[NdesConnector]], bool | None]
) -> Operation:
    """Reads the pages from ``url`` on, handing each to ``take``, until the last one or until
    ``take`` returns True (it has seen enough)."""
    trail = PageTrail(settings)
    next_url: str | None = url
    while next_url is not None:
        trail.visit(next_url)
        page, next_url = yield from list_page(settings, next_url)
        if take(page):
            return


def list_page(settings: Settings, url: str) -> Operation:
    """GET one page of the collection; returns (connectors, the next page's URL or None). A
    URL of another origin than ``base_url`` (a next link) raises CrossOriginError and is not
    sent, so the caller keeps the pages before it."""
    url = _protocol.check_next_link(url, settings.base_url)
    client_request_id = new_request_id()
    response = yield from exchange(settings, Call("GET", url), client_request_id)
    items, next_link = _protocol.read_page(response, client_request_id)
    if next_link is not None:
        next_link = urljoin(url, next_link)  # Graph's are absolute: as given
    return items, next_link


def within_top(
    page: list[NdesConnector], left: int | None, next_url: str | None
) -> tuple[list[NdesConnector], int | None, str | None]:
    """(the part of `page` within the `left` connectors `top` still allows, how many are left
    after it, the next URL or None once none are): a server that ignores `$top` must not make
    the caller read past it. `left` None is no cap."""
    if left is None:
        return page, None, next_url
    page = page[:left]
    left -= len(page)
    return page, left, next_url if left else None


def update(settings: Settings, connector_id: str, changes: Mapping[str, Any]) -> Operation:
    """PATCH the given fields (None clears one); the connector on 200, None on 204."""
    url = _protocol.item_url(settings.base_url, connector_id)
    body = _protocol.patch_body(changes)
    client_request_id = new_request_id()
    call = Call("PATCH", url, body, ok=(200, 204), writes=1)
    response = yield from exchange(settings, call, client_request_id)
    if response.status == 204 or not response.body:
        return None
    return _protocol.read_connector(response, client_request_id)


def delete(settings: Settings, connector_id: str) -> Operation:
    """DELETE one connector (204; a 404 after an attempt that may have deleted it is done)."""
    url = _protocol.item_url(settings.base_url, connector_id)
    call = Call("DELETE", url, ok=(200, 204), writes=1)
    yield from exchange(settings, call, new_request_id())
    return None


def find(settings: Settings, key: str, value: Any, limit: int | None = None) -> Operation:
    """Every connector whose `key` (a Python name) equals `value`, or the first ``limit`` of
    them: the collection filtered on the server when the property allows it, and matched here
    too, since not every Graph deployment honours `$filter` on this resource."""
    filter_ = None
    if key in _protocol.FILTERABLE and isinstance(value, str):
        filter_ = f"{WIRE_NAMES[key]} eq {_protocol.odata_string(value)}"
    found: list[NdesConnector] = []

    def take(page: list[NdesConnector]) -> bool:
        found.extend(c for c in page if getattr(c, key) == value)
        return limit is not None and len(found) >= limit

    try:
        yield from each_page(settings, first_page_url(settings, filter=filter_), take)
    except errors.BadRequestError:
        if filter_ is None:
            raise
        # A deployment that refuses the filter: page through everything instead.
        found.clear()
        yield from each_page(settings, first_page_url(settings), take)
    return found[:limit]


def get_or_create(settings: Settings, connector: NdesConnector, key: str) -> Operation:
    """(the one connector whose `key` equals the given one's, False), or (created, True).

    Safe to re-run: when the create's outcome is unknown, the connector is looked up again and
    returned as created if it is there; only otherwise does the error propagate."""
    name = python_name(key)
    value = getattr(connector, name)
    if value is None:
        raise ValueError(f"get_or_create: the connector's {name} (the key) is not set")
    # Two matches already make the key ambiguous: no need to read further.
    found = yield from find(settings, name, value, limit=2)
    if len(found) > 1:
        raise errors.AmbiguousKeyError(name, value, len(found))
    if found:
        return found[0], False
    try:
        created = yield from create(settings, connector)
    except errors.OutcomeUnknownError as unknown:
        try:
            found = yield from find(settings, name, value, limit=2)
        except errors.NdesError as lookup:
            _policy_append(unknown, f"looking the connector up again failed: {lookup}")
            raise unknown from None
        if len(found) == 1:
            return found[0], True
        if len(found) > 1:
            raise errors.AmbiguousKeyError(name, value, len(found)) from unknown
        raise
    return created, True


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
        self._url: str | None = first_page_url(
            settings, filter=filter, select=select, top=top, orderby=orderby
        )
        self._left = top
        self._trail = PageTrail(settings)

    def next_operation(self) -> Operation | None:
        """The GET of the next page, or None when the listing is done."""
        if self._url is None:
            return None
        self._trail.visit(self._url)  # a next link that loops, or a pager without end, stops
        return list_page(self._settings, self._url)

    def take(self, answer: tuple[list[NdesConnector], str | None]) -> list[NdesConnector]:
        """The connectors of a page's answer that ``top`` allows; notes where to go next."""
        page, next_url = answer
        page, self._left, self._url = within_top(page, self._left, next_url)
        return page
