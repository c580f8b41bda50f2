"""What the sync and the async httpx backends share: the request options, the body limit, the
answer, and which httpx failure means what."""

from __future__ import annotations

import ssl
from typing import Any

import httpx

from .._http import HttpRequest, HttpResponse
from ..errors import NdesError, OutcomeUnknownError, TransportError

#: Failures that happen before the request is out whole, so the server cannot act on it.
NOT_CONNECTED = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)
NOT_SENT_WHOLE = (httpx.WriteError, httpx.WriteTimeout)


def classify(exc: httpx.TransportError) -> NdesError:
    """TransportError only when the request certainly did not leave; anything else may have
    reached the server: OutcomeUnknownError."""
    if isinstance(exc, NOT_CONNECTED):
        return TransportError(f"could not connect: {exc}")
    if isinstance(exc, NOT_SENT_WHOLE):
        return TransportError(f"could not send the request: {exc}")
    return OutcomeUnknownError(f"sent the request, then lost the answer: {exc!r}")


def stream_options(request: HttpRequest) -> dict[str, Any]:
    """``client.stream(**options)`` for one request; redirects are the client's decision."""
    return {
        "method": request.method,
        "url": request.url,
        "headers": request.headers,
        "content": request.body,
        "timeout": request.timeout,
        "follow_redirects": False,
    }


def client_options(proxy: str | None, verify: bool | str) -> dict[str, Any]:
    """``httpx.Client``/``AsyncClient`` options for ndes's ``proxy`` and ``verify``."""
    options: dict[str, Any] = {"follow_redirects": False}
    if proxy is not None:
        options["proxy"] = proxy
    # A CA bundle path as a context: httpx deprecates a str for verify.
    options["verify"] = (
        ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
    )
    return options


class Body(bytearray):
    """A response body read chunk by chunk, refused past the request's limit."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def add(self, chunk: bytes) -> None:
        self.extend(chunk)
        if len(self) > self.limit:
            raise OutcomeUnknownError(f"response body larger than {self.limit} bytes; not read")


def answer(response: httpx.Response, body: bytes | bytearray) -> HttpResponse:
    return HttpResponse(
        response.status_code, {k.lower(): v for k, v in response.headers.items()}, bytes(body)
    )
