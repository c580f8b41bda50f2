"""ndes's own HTTP types: what the client hands a backend and what a backend hands back.

A backend is any object with ``send(request: HttpRequest) -> HttpResponse`` and ``close()``
(for :class:`~ndes.AsyncClient`: ``async send(request)`` and ``async aclose()``, closing the
connection when a send is cancelled). It does I/O and nothing else: no redirects, no retries
(not even a library's silent resend of an idempotent request), no auth. It sends ``url`` as it
is (the client normalised it), and raises :class:`~ndes.errors.TransportError` only when it
knows the request did not leave whole (DNS failure, refused, connect timeout, failed TLS
handshake, a send that failed part-way), and :class:`~ndes.errors.OutcomeUnknownError` for
anything else that goes wrong: the client never resends a POST after that.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["AsyncBackend", "Backend", "HttpRequest", "HttpResponse"]


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
    #: Seconds for the whole attempt: connect, TLS handshake, send, status line, headers, body.
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


class AsyncBackend(Protocol):
    """What :class:`~ndes.AsyncClient` sends through; cancelling ``send`` must leave no
    half-used connection for a later request (close it rather than return it to a pool)."""

    async def send(self, request: HttpRequest) -> HttpResponse: ...

    async def aclose(self) -> None: ...


# Other libraries' client objects people pass as a backend, and what to pass instead.
_WRAP = {
    ("httpx", "Client"): (False, "ndes.backends.HttpxBackend(it)"),
    ("httpx", "AsyncClient"): (True, "ndes.backends.AsyncHttpxBackend(it)"),
    ("requests", "Session"): (False, "ndes.backends.RequestsBackend(it)"),
    ("aiohttp", "ClientSession"): (True, "a small backend over it (README: 'Your own backend')"),
}


def backend_problem(backend: Any, want_async: bool) -> str | None:
    """Why ``backend`` cannot serve a sync (or an async) client, said so a user knows what to
    pass instead; None when it can."""
    client, other = ("ndes.Client", "ndes.AsyncClient")[:: -1 if want_async else 1]
    for cls in type(backend).__mro__:
        wrapped = _WRAP.get((cls.__module__.partition(".")[0], cls.__name__))
        if wrapped is None:
            continue
        is_async, wrapper = wrapped
        name = f"{cls.__module__.partition('.')[0]}.{cls.__name__}"
        if is_async == want_async:
            return f"{client} takes an ndes backend, not {name} itself: pass backend={wrapper}"
        kind = "async" if is_async else "sync"
        return f"{name} is {kind}: use {other} with backend={wrapper}, or {_native(want_async)}"
    send = getattr(backend, "send", None)
    if not callable(send):
        needs = "async send(request) and aclose()" if want_async else "send(request) and close()"
        return f"{type(backend).__name__} is not a backend: {client} needs {needs}"
    if is_coroutine_function(send) != want_async:
        kind = "an async" if not want_async else "a sync"
        return (
            f"{type(backend).__name__} is {kind} backend: use it with {other}, "
            f"or {_native(want_async)}"
        )
    return None


def _native(want_async: bool) -> str:
    if want_async:
        return "give ndes.AsyncClient an async backend (AsyncHttpxBackend, AsyncEmulatorBackend)"
    return "give ndes.Client a sync backend (UrllibBackend, RequestsBackend, HttpxBackend)"


def is_coroutine_function(function: Any) -> bool:
    """inspect.iscoroutinefunction without importing inspect (and what it loads) on the path
    that creates: a coroutine function's code has CO_COROUTINE set."""
    code = getattr(getattr(function, "__func__", function), "__code__", None)
    return code is not None and bool(code.co_flags & 0x80)
