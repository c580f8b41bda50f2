"""The create() protocol without I/O: building the request, reading the answer, deciding on
retries and redirects. Shared by every client loop; tested without a network."""

from __future__ import annotations

import ipaddress
import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

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
    except (ValueError, TypeError, KeyError, AttributeError):
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
