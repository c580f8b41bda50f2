"""ndes's own HTTP types: what the client hands a backend and what a backend hands back.

A backend is any object with ``send(request: HttpRequest) -> HttpResponse`` and ``close()``.
It does I/O and nothing else: no redirects, no retries, no auth. It raises
:class:`~ndes.errors.TransportError` when the request cannot have reached the server and
:class:`~ndes.errors.OutcomeUnknownError` when it may have.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Backend", "HttpRequest", "HttpResponse"]


class _Record:
    """Immutable fields compared by value, as a frozen dataclass would be; plain classes
    because importing dataclasses (and the inspect module it loads) would cost more than
    everything else a create imports."""

    __slots__: tuple[str, ...] = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only; make a new one")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only; make a new one")

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]  # the headers are a dict


class HttpRequest(_Record):
    __slots__ = ("method", "url", "headers", "body", "timeout", "max_response_bytes")
    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    timeout: float
    #: A backend raises OutcomeUnknownError rather than read a longer body.
    max_response_bytes: int

    def __init__(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes = b"",
        timeout: float = 30.0,
        max_response_bytes: int = 4 * 1024 * 1024,
    ) -> None:
        for name, value in zip(
            self.__slots__, (method, url, headers, body, timeout, max_response_bytes), strict=True
        ):
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:  # never show the Authorization header
        return f"HttpRequest({self.method} {self.url}, {len(self.body)} bytes)"


class HttpResponse(_Record):
    __slots__ = ("status", "headers", "body")
    status: int
    #: Header names in lower case.
    headers: dict[str, str]
    body: bytes

    def __init__(
        self, status: int, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> None:
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "headers", {} if headers is None else headers)
        object.__setattr__(self, "body", body)

    def __repr__(self) -> str:
        return f"HttpResponse({self.status}, {len(self.body)} bytes)"

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Backend(Protocol):
    def send(self, request: HttpRequest) -> HttpResponse: ...

    def close(self) -> None: ...
