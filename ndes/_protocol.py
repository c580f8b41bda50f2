"""The client's protocol without I/O: building requests (URLs, query options, bodies),
reading answers (a connector, a page, an error), deciding on retries, redirects and next links.
Shared by every client loop; tested without a network."""

from __future__ import annotations

import random  # these two come with http.client, which the default backend needs
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import quote, urljoin, urlsplit

from . import errors
from ._fields import WIRE_NAMES, python_name
from ._http import HttpRequest, HttpResponse

COLLECTION = "/deviceManagement/ndesConnectors"
EXCERPT_CHARS = 200


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    import ipaddress  # here: only a plain-HTTP URL asks (http.client loads it from 3.11 only)

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# Characters a URL may carry as they are. Anything else is percent-encoded, so that no backend
# (http.client, requests' requote_uri, httpx's URL parser) finds anything left to change.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PATH_SAFE = _UNRESERVED | frozenset("!$&'()*+,;=:@/")
_QUERY_SAFE = _PATH_SAFE | frozenset("?")
_HEX = frozenset("0123456789ABCDEFabcdef")
_REG_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
_PORT = re.compile(r"[0-9]{1,5}")
_DEFAULT_PORT = {"http": 80, "https": 443}


def _quote(text: str, safe: frozenset[str]) -> str:
    """Percent-encode what `safe` does not hold; decode escapes of unreserved characters (as
    requests does) and keep the other escapes, upper-cased."""
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "%" and i + 2 < len(text) and text[i + 1] in _HEX and text[i + 2] in _HEX:
            decoded = chr(int(text[i + 1 : i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else text[i : i + 3].upper())
            i += 3
            continue
        if c in safe:
            out.append(c)
        else:
            if "\ud800" <= c <= "\udfff":
                raise ValueError("a lone surrogate, which has no UTF-8 form")
            out.extend(f"%{b:02X}" for b in c.encode("utf-8"))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4, which urllib3 and httpx apply before sending."""
    output: list[str] = []
    segments = path.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    return "/".join(output)


def _host(host: str) -> str:
    # ipaddress is imported where an address is read: 3.10's http.client does not load it.
    if host.startswith("["):
        import ipaddress

        if not host.endswith("]"):
            raise ValueError("an unclosed [ in the host")
        try:
            address = ipaddress.IPv6Address(host[1:-1])  # no zone ids: they are local names
        except ValueError:
            raise ValueError("an invalid IPv6 address") from None
        return f"[{address.compressed}]"
    host = host.lower()
    if not _REG_NAME.fullmatch(host):
        raise ValueError("an invalid host name")
    if _NUMERIC_LABEL.fullmatch(host.rstrip(".").rsplit(".", 1)[-1]):
        # What ends in a number is an IPv4 address to a browser, urllib3 and getaddrinfo, which
        # also read 127.1 or 0x7f.1: only the dotted-quad form means one thing to all of them.
        import ipaddress

        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError:
            raise ValueError("an IPv4 address not in dotted-quad form") from None
    return host


def normalize_url(url: str, base: str | None = None) -> str:
    """The URL exactly as every backend will send it, or ValueError saying what is unsafe.

    One form for every same-origin decision (redirects, @odata.nextLink) and for the request
    line: what urlsplit and a backend's own parser would read differently is refused
    (backslashes, userinfo, spaces and control characters, ports that are not 1 to 65535), the
    scheme and host are lower-cased, a default port is dropped, dot segments are removed,
    anything outside RFC 3986's safe set is percent-encoded and the fragment goes. A relative
    `url` (a Location, a nextLink) is resolved against `base` after those checks."""
    if not isinstance(url, str):
        raise ValueError("not a string")
    if "\\" in url:  # urlsplit keeps it in the userinfo, urllib3 and browsers end the host there
        raise ValueError("a backslash")
    if any(c <= " " or c == "\x7f" for c in url):  # urlsplit silently drops tabs and newlines
        raise ValueError("a space or a control character")
    if base is not None:
        url = urljoin(base, url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORT:
        raise ValueError(f"scheme {scheme or 'missing'!r}, not http or https")
    netloc = parts.netloc
    if "@" in netloc:
        raise ValueError("userinfo (user@) in the authority")
    closing = netloc.rfind("]")
    colon = netloc.rfind(":")
    if colon > closing:
        host, port_text = netloc[:colon], netloc[colon + 1 :]
        if not _PORT.fullmatch(port_text) or not 0 < int(port_text) < 65536:
            raise ValueError("an invalid port")
        port = int(port_text)
    else:
        host, port = netloc, _DEFAULT_PORT[scheme]
    if not host:
        raise ValueError("no host")
    host = _host(host)
    authority = host if port == _DEFAULT_PORT[scheme] else f"{host}:{port}"
    path = _remove_dot_segments(_quote(parts.path, _PATH_SAFE)) or "/"
    if not path.startswith("/"):
        path = "/" + path
    query = "?" + _quote(parts.query, _QUERY_SAFE) if parts.query else ""
    return f"{scheme}://{authority}{path}{query}"


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL normalize_url made."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit(":", 1)[0] if not parts.netloc.endswith("]") else parts.netloc
    return parts.scheme, host, parts.port or _DEFAULT_PORT[parts.scheme]


def same_origin(a: str, b: str) -> bool:
    """Whether two URLs, as they will be sent, go to the same scheme, host and port: the one
    test for sending the token on (a redirect, an @odata.nextLink). A URL normalize_url
    refuses is of no origin."""
    try:
        return origin(normalize_url(a)) == origin(normalize_url(b))
    except ValueError:
        return False


def url_host(host: str) -> str:
    """A host as a URL writes it: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def check_url(url: str) -> None:
    """HTTPS everywhere, plain HTTP only to this machine (an emulator)."""
    try:
        scheme, host, _ = origin(normalize_url(url))
    except ValueError as exc:
        raise ValueError(f"refusing {url!r}: {exc}") from None
    if scheme == "https" or is_loopback(host):
        return
    raise ValueError(f"refusing {url!r}: ndes talks HTTPS, or plain HTTP to a loopback host only")


_TOKEN = re.compile(r"[\x21-\x7e]+")


def check_token(token: object) -> str:
    """A token every backend sends byte for byte: visible ASCII, of which RFC 6750's b64token
    is a part. Anything else splits the header (CR, LF), is cut by a server (NUL) or fails
    inside a backend with an exception that holds the whole token (httpx encodes headers as
    ASCII, http.client as Latin-1), so it is refused here, without showing it."""
    if not isinstance(token, str):
        reason = f"a {type(token).__name__}, not a str"
    elif not token:
        reason = "an empty string"
    elif not _TOKEN.fullmatch(token):
        reason = "it holds a space, a control character (CR, LF, NUL...) or non-ASCII text"
    else:
        return token
    raise errors.CredentialError(f"the token source returned an unusable token: {reason}")


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
        "Authorization": "Bearer " + check_token(token),
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


_DELTA_SECONDS = re.compile(r"[0-9]+", re.ASCII)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date; None for
    anything else, whatever the server sends (str.isdigit() takes "²", email.utils overflows on
    a 20-digit year)."""
    if value is None:
        return None
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        return float(value)  # a huge one is inf, which the caller's cap refuses
    from email.utils import parsedate_to_datetime  # the rarer form: an HTTP-date

    try:
        when = parsedate_to_datetime(value)
        if when is None or when.tzinfo is None:
            return None
        seconds = when.timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    now = time.time() if now is None else now
    return max(0.0, seconds - now)


def backoff(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with full jitter, for a retry without Retry-After."""
    return rng.uniform(0, min(cap, base * 2 ** (attempt - 1)))


class Redirect(NamedTuple):
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
    try:
        target = normalize_url(location, base=request.url)
    except ValueError as exc:  # the server's text, not the caller's: a GraphError, typed
        raise errors.GraphError(
            response.status, f"refusing the redirect to {location[:200]!r}: {exc}"
        ) from None
    current = normalize_url(request.url)  # ours already; normalising again costs nothing
    scheme, host, _ = origin(target)
    if current.startswith("https:") and scheme != "https":
        raise errors.GraphError(response.status, f"refusing a redirect from HTTPS to {scheme}")
    if scheme != "https" and not is_loopback(host):
        raise errors.GraphError(
            response.status, f"refusing a redirect to plain HTTP off this machine: {target!r}"
        )
    headers = dict(request.headers)
    if not same_origin(current, target):
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

    return _read_answer(response, client_request_id, NdesConnector.from_json, "connector")


def _read_answer(
    response: HttpResponse, client_request_id: str, decode: Callable[[bytes], Any], what: str
) -> Any:
    try:
        return decode(response.body)
    except errors.DecodeError as exc:
        raise errors.UnexpectedResponseError(
            response.status,
            f"the request succeeded, but the {what} in the answer could not be read: {exc}",
            request_id=response.header("request-id"),
            client_request_id=client_request_id,
        ) from exc


# -- the resource's other operations -------------------------------------------------------

#: Properties a `$filter` can compare with a string literal.
FILTERABLE = ("id", "state", "display_name", "machine_name", "connector_version")


def wire_name(name: str) -> str:
    """The wire name of a property given by its Python or its wire name."""
    return WIRE_NAMES[python_name(name)]


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


def check_next_link(url: str, base_url: str) -> str:
    """The page URL (a next link) as it will be sent; CrossOriginError for one that leaves the
    origin of ``base_url`` or that parsers could read differently, before anything, the token
    above all, is sent there."""
    try:
        sent = normalize_url(url)
        ok = same_origin(sent, normalize_url(base_url))
    except ValueError as exc:
        reason = str(exc)
    else:
        if ok:
            return sent
        reason = f"it leaves the origin of {base_url}"
    raise errors.CrossOriginError(f"refusing @odata.nextLink {url!r}: {reason}; not followed")


def read_page(response: HttpResponse, client_request_id: str) -> tuple[list[Any], str | None]:
    """The connectors and the next link in a collection page. An answer that is not one is
    UnexpectedResponseError, as for a single connector."""
    from ._core import NdesConnector

    return _read_answer(response, client_request_id, NdesConnector.from_json_page, "page")  # type: ignore[no-any-return]


def patch_body(changes: Mapping[str, Any]) -> bytes:
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
