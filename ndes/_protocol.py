"""The client's protocol without I/O: building requests (URLs, query options, bodies),
reading answers (a connector, a page, an error), deciding on retries, redirects and next links.
Shared by every client loop; tested without a network."""

from __future__ import annotations

import ipaddress
import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from . import errors
from ._http import HttpRequest, HttpResponse

COLLECTION = "/deviceManagement/ndesConnectors"
EXCERPT_CHARS = 200


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> None:
    """HTTPS everywhere, plain HTTP only to this machine (an emulator)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return
    raise ValueError(f"refusing {url!r}: ndes talks HTTPS, or plain HTTP to a loopback host only")


def check_header_value(name: str, value: str) -> str:
    if any(c in value for c in "\r\n\x00"):
        raise ValueError(f"{name} contains CR, LF or NUL")
    return value


def build_request(
    method: str,
    url: str,
    body: bytes | None,
    *,
    token: str,
    client_request_id: str,
    attempt: int,
    settings: Any,
) -> HttpRequest:
    """One attempt of a call: the headers Graph expects, a fresh token, the attempt number."""
    headers = {
        "Authorization": "Bearer " + check_header_value("the token", token),
        "Accept": "application/json",
        "client-request-id": client_request_id,
        "User-Agent": settings.user_agent,
    }
    if body is not None:
        headers["Content-Type"] = "application/json"
    if attempt > 1:
        headers["Retry-Attempt"] = str(attempt - 1)
    return HttpRequest(
        method,
        url,
        headers,
        b"" if body is None else body,
        timeout=settings.timeout,
        max_response_bytes=settings.max_response_bytes,
    )


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def backoff(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with full jitter, for a retry without Retry-After."""
    return rng.uniform(0, min(cap, base * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class Redirect:
    request: HttpRequest


def follow_redirect(request: HttpRequest, response: HttpResponse) -> Redirect | None:
    """The request to send next for a 307/308, or None when the response is no redirect.

    Only 307 and 308 keep the method and body, so only they are followed for a POST; the
    Authorization header is dropped when the scheme, host or port changes, and HTTPS is never
    followed to plain HTTP."""
    if response.status not in (307, 308):
        return None
    location = response.header("location")
    if not location:
        return None
    target = urljoin(request.url, location)
    old, new = urlsplit(request.url), urlsplit(target)
    if old.scheme == "https" and new.scheme != "https":
        raise errors.GraphError(
            response.status, f"refusing a redirect from HTTPS to {new.scheme or 'no scheme'}"
        )
    check_url(target)
    headers = dict(request.headers)
    if (old.scheme, old.hostname, old.port) != (new.scheme, new.hostname, new.port):
        headers.pop("Authorization", None)
    return Redirect(
        HttpRequest(
            request.method,
            target,
            headers,
            request.body,
            timeout=request.timeout,
            max_response_bytes=request.max_response_bytes,
        )
    )


def _error_fields(response: HttpResponse) -> tuple[str | None, str, str | None, str | None]:
    """(code, message, request-id, date) from Graph's error JSON, or an excerpt of the body."""
    import json

    code = request_id = date = None
    message = ""
    try:
        doc = json.loads(response.body)
        err = doc["error"]
        code = err.get("code") if isinstance(err.get("code"), str) else None
        message = err.get("message") if isinstance(err.get("message"), str) else ""
        inner = err.get("innerError") or err.get("innererror") or {}
        if isinstance(inner, dict):
            request_id = (
                inner.get("request-id") if isinstance(inner.get("request-id"), str) else None
            )
            date = inner.get("date") if isinstance(inner.get("date"), str) else None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        # RecursionError: json.loads recurses once per nesting level ("[" * 200000).
        text = response.body[: EXCERPT_CHARS * 4].decode("utf-8", "replace")
        text = " ".join(text.split())[:EXCERPT_CHARS]
        content_type = response.header("content-type") or "no content type"
        message = f"non-JSON error body ({content_type}): {text!r}" if text else "empty body"
    request_id = request_id or response.header("request-id")
    date = date or response.header("date")
    return code, message, request_id, date


_BY_STATUS: dict[int, type[errors.GraphError]] = {
    400: errors.BadRequestError,
    401: errors.AuthenticationError,
    403: errors.PermissionDeniedError,
    404: errors.NotFoundError,
    429: errors.ThrottledError,
    503: errors.ServiceUnavailableError,
}

#: Statuses after which the server cannot have acted: the only ones a POST is retried on.
RETRYABLE = (429, 503)
#: GET, PATCH and DELETE may also be retried after a gateway failure.
RETRYABLE_IDEMPOTENT = (429, 502, 503, 504)


def graph_error(response: HttpResponse, client_request_id: str) -> errors.GraphError:
    code, message, request_id, date = _error_fields(response)
    status = response.status
    cls = _BY_STATUS.get(status)
    if cls is None:
        if status >= 500:
            cls = errors.ServerError
        elif status >= 400:
            cls = errors.BadRequestError
        else:
            cls = errors.UnexpectedResponseError
    return cls(
        status,
        message,
        code=code,
        request_id=request_id,
        client_request_id=client_request_id,
        date=date,
        retry_after=parse_retry_after(response.header("retry-after")),
    )


def read_connector(response: HttpResponse, client_request_id: str) -> Any:
    """The connector in a success answer; an answer that is not one is
    UnexpectedResponseError, since the server did act on the request."""
    from ._core import NdesConnector

    try:
        return NdesConnector.from_json(response.body)
    except errors.DecodeError as exc:
        raise errors.UnexpectedResponseError(
            response.status,
            f"the request succeeded, but the connector in the answer could not be read: {exc}",
            request_id=response.header("request-id"),
            client_request_id=client_request_id,
        ) from exc


# -- the resource's other operations -------------------------------------------------------

#: Python name -> wire name of each known property, in the order the encoder writes them.
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
#: Properties a `$filter` can compare with a string literal.
FILTERABLE = ("id", "state", "display_name", "machine_name", "connector_version")


def wire_name(name: str) -> str:
    """The wire name of a property given by its Python or its wire name."""
    if name in WIRE_NAMES:
        return WIRE_NAMES[name]
    if name in WIRE_NAMES.values():
        return name
    known = ", ".join(WIRE_NAMES)
    raise ValueError(f"{name!r} is not a property of ndesConnector (one of {known})")


def item_url(base_url: str, connector_id: str) -> str:
    """The URL of one connector, its id confined to one path segment: `/`, `?`, `#` and `%`
    are escaped. An id of `.` or `..` is refused: HTTP libraries undo `%2E` (an unreserved
    character) and then resolve the dot segment, so no escaping keeps it in place."""
    if not isinstance(connector_id, str):
        raise TypeError(f"a connector id is a str, not {type(connector_id).__name__}")
    if not connector_id:
        raise ValueError("a connector id cannot be empty")
    if connector_id in (".", ".."):
        raise ValueError(f"{connector_id!r} cannot be a connector id: it is a path step")
    return f"{base_url}{COLLECTION}/{quote(connector_id, safe='')}"


def collection_url(base_url: str, query: dict[str, str]) -> str:
    """The collection's URL with OData query options, each value percent-encoded."""
    url = base_url + COLLECTION
    if query:
        url += "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
    return url


def odata_string(value: str) -> str:
    """An OData string literal: single quotes, a quote inside doubled."""
    return "'" + value.replace("'", "''") + "'"


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) as an HTTP library will read it, or None for a URL that parsers
    could read differently (user info, spaces, control characters, backslashes)."""
    if any(c <= " " or c in "\\\x7f" for c in url):
        return None
    parts = urlsplit(url)
    if "@" in parts.netloc or parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname.lower(), port or default


def same_origin(url: str, base_url: str) -> bool:
    """True when `url`, exactly as it will be sent, has the scheme, host and port of
    `base_url`: only then may it carry the token."""
    origin = _origin(url)
    return origin is not None and origin == _origin(base_url)


def check_next_link(url: str, base_url: str) -> None:
    """Refuses a page URL (a next link) of another origin than ``base_url``, before anything,
    the token above all, is sent there."""
    if not same_origin(url, base_url):
        raise errors.CrossOriginError(
            f"refusing @odata.nextLink {url!r}: it leaves the origin of {base_url}, so it was "
            "not followed"
        )


def read_page(response: HttpResponse, client_request_id: str) -> tuple[list[Any], str | None]:
    """The connectors and the next link in a collection page. An answer that is not one is
    UnexpectedResponseError, as for a single connector."""
    from ._core import NdesConnector

    decode = getattr(NdesConnector, "from_json_page", None) or _read_page_python
    try:
        items, next_link = decode(response.body)
    except errors.DecodeError as exc:
        raise errors.UnexpectedResponseError(
            response.status,
            f"the request succeeded, but the page in the answer could not be read: {exc}",
            request_id=response.header("request-id"),
            client_request_id=client_request_id,
        ) from exc
    return list(items), next_link


def _read_page_python(data: bytes) -> tuple[list[Any], str | None]:
    """Stand-in for the core's NdesConnector.from_json_page until it lands (then deleted)."""
    from . import _json
    from ._core import NdesConnector

    try:
        doc = _json.loads(data)
    except ValueError as exc:
        raise errors.DecodeError(f"not JSON: {exc}", getattr(exc, "pos", 0)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("value"), list):
        raise errors.DecodeError("expected an object with a 'value' array", 0)
    next_link = doc.get("@odata.nextLink")
    if next_link is not None and not isinstance(next_link, str):
        raise errors.DecodeError("@odata.nextLink is not a string", 0)
    items = []
    for i, item in enumerate(doc["value"]):
        if not isinstance(item, dict):
            raise errors.DecodeError(f"value[{i}] is not an object", 0)
        try:
            items.append(NdesConnector.from_dict(item))
        except errors.ValidationError as exc:
            raise errors.DecodeError(f"value[{i}]: {exc}", 0) from None
    return items, next_link


def patch_body(changes: dict[str, Any]) -> bytes:
    """The PATCH body for `changes` (Python names): only those fields, after `@odata.type`, in
    wire order, validated and written by the core; a field given as None is written as JSON
    null, which clears it."""
    from ._core import NdesConnector

    if not changes:
        raise TypeError("update() needs at least one field to change")
    if "id" in changes:
        raise TypeError("the id names the connector to update; it cannot be changed")
    unknown = sorted(set(changes) - set(WIRE_NAMES) - {"additional_data"})
    if unknown:
        raise TypeError(f"update() got unknown fields: {', '.join(unknown)}")
    extra = changes.get("additional_data")
    if "additional_data" in changes and not extra:
        raise TypeError("additional_data takes a dict of properties; clear one with None in it")
    body = NdesConnector(**{k: v for k, v in changes.items() if v is not None}).to_json()
    nulls = [wire for name, wire in WIRE_NAMES.items() if name in changes and changes[name] is None]
    if not nulls:
        return body
    # The known properties end where the additional data (written last) begins.
    end = len(body) - 1
    if extra:
        end -= len(NdesConnector(additional_data=extra).to_json()) - len(_EMPTY_BODY)
    order = list(WIRE_NAMES.values())
    present = [wire for name, wire in WIRE_NAMES.items() if changes.get(name) is not None]
    inserts = []
    for wire in nulls:
        # Before the first present property that follows it in wire order, else at the end.
        # `,"name":` cannot occur inside a string value, whose quotes are escaped.
        pos = end
        for later in present:
            if order.index(later) > order.index(wire):
                pos = body.index(b',"' + later.encode() + b'":', 0, end)
                break
        inserts.append((pos, order.index(wire), b',"' + wire.encode() + b'":null'))
    pieces, last = [], 0
    for pos, _, text in sorted(inserts):
        pieces += [body[last:pos], text]
        last = pos
    pieces.append(body[last:])
    return b"".join(pieces)


_EMPTY_BODY = b'{"@odata.type":"#microsoft.graph.ndesConnector"}'
