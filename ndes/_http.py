"""ndes's own HTTP types: what the client hands a backend and what a backend hands back.

A backend is any object with ``send(request: HttpRequest) -> HttpResponse`` and ``close()``.
It does I/O and nothing else: no redirects, no retries, no auth. It sends ``url`` as it is (the
client normalised it), and raises :class:`~ndes.errors.TransportError` only when it knows the
request did not leave whole (DNS failure, refused, connect timeout, failed TLS handshake, a send
that failed part-way), and :class:`~ndes.errors.OutcomeUnknownError` for anything else that
goes wrong: the client never resends after that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["Backend", "HttpRequest", "HttpResponse"]


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes = b""
    #: Seconds for the whole attempt: connect, TLS handshake, send, status line, headers, body.
    timeout: float = 30.0
    #: A backend raises OutcomeUnknownError rather than read a longer body.
    max_response_bytes: int = 4 * 1024 * 1024

    def __repr__(self) -> str:  # never show the Authorization header
        return f"HttpRequest({self.method} {self.url}, {len(self.body)} bytes)"


@dataclass(frozen=True)
class HttpResponse:
    status: int
    #: Header names in lower case.
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Backend(Protocol):
    def send(self, request: HttpRequest) -> HttpResponse: ...

    def close(self) -> None: ...
