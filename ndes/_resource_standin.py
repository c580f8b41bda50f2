"""STAND-IN, on branch `bulk` only: the lead drops this module (and its import in _ops.py) when
branch `resource` lands with the real ``first_page_url`` and ``list_page`` (issue 10).

Just enough of the naming contract for bulk create to read the collection: the same
signatures, no ``$filter`` quoting rules, the page decoded with stdlib json rather than the
C page decoder the resource issue adds."""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

from . import _protocol, errors
from ._core import NdesConnector
from ._policy import Call, Operation, Settings, exchange


def first_page_url(
    settings: Settings,
    *,
    filter: str | None = None,
    select: list[str] | None = None,
    top: int | None = None,
    orderby: str | None = None,
) -> str:
    query = []
    for name, value in (("$filter", filter), ("$top", top), ("$orderby", orderby)):
        if value is not None:
            query.append(f"{name}={quote(str(value), safe='')}")
    if select:
        query.append("$select=" + quote(",".join(select), safe=","))
    url = settings.base_url + _protocol.COLLECTION
    return url + ("?" + "&".join(query) if query else "")


def list_page(settings: Settings, url: str) -> Operation:
    """GET one page; returns (connectors, next link or None)."""
    from ._ops import new_request_id

    client_request_id = new_request_id()
    response = yield from exchange(settings, Call("GET", url, None, ok=(200,)), client_request_id)
    try:
        doc = json.loads(response.body)
        page = [NdesConnector.from_dict(item) for item in doc["value"]]
        next_link = doc.get("@odata.nextLink")
    except (ValueError, TypeError, KeyError) as exc:
        raise errors.UnexpectedResponseError(
            response.status, f"not a page of connectors: {exc}", client_request_id=client_request_id
        ) from exc
    if next_link is not None:
        base, link = urlsplit(settings.base_url), urlsplit(next_link)
        if (base.scheme, base.hostname, base.port) != (link.scheme, link.hostname, link.port):
            raise errors.NdesError(f"refusing a next link to another origin: {next_link!r}")
    return page, next_link
