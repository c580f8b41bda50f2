"""Backends move bytes for the client: ``send(HttpRequest) -> HttpResponse`` and ``close()``.

- :class:`UrllibBackend`: the default, standard library only, keeps connections alive per host.
- :class:`RequestsBackend`: over a ``requests.Session`` (``pip install ndes[requests]``).
- :class:`HttpxBackend`: over an ``httpx.Client`` (``pip install ndes[httpx]``).
- ``ndes.emulator.EmulatorBackend``: the Graph emulator in process, no socket.

For :class:`ndes.AsyncClient` (``async send(request)`` and ``async aclose()``):

- :class:`AsyncHttpxBackend`: over an ``httpx.AsyncClient`` (``pip install ndes[httpx]``).
- ``ndes.emulator.AsyncEmulatorBackend``: the Graph emulator in process, no socket.

A backend sends the URL it is given unchanged, bounds the whole attempt by the request's
timeout, and raises :class:`~ndes.errors.TransportError` only when it knows the request did not
leave whole (DNS, refused, connect timeout, TLS handshake, a send that failed part-way);
anything else is :class:`~ndes.errors.OutcomeUnknownError`. tests/test_backend_conformance.py
holds the sync backends to this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._http import AsyncBackend, Backend, HttpRequest, HttpResponse
from ._urllib import UrllibBackend

if TYPE_CHECKING:
    from ._httpx import HttpxBackend
    from ._httpx_async import AsyncHttpxBackend
    from ._requests import RequestsBackend

__all__ = [
    "AsyncBackend",
    "AsyncHttpxBackend",
    "Backend",
    "HttpRequest",
    "HttpResponse",
    "HttpxBackend",
    "RequestsBackend",
    "UrllibBackend",
]


def __getattr__(name: str) -> Any:  # the optional ones import their library only when used
    if name == "RequestsBackend":
        from ._requests import RequestsBackend

        return RequestsBackend
    if name == "HttpxBackend":
        from ._httpx import HttpxBackend

        return HttpxBackend
    if name == "AsyncHttpxBackend":
        from ._httpx_async import AsyncHttpxBackend

        return AsyncHttpxBackend
    raise AttributeError(name)
