"""A backend over httpx (``pip install ndes[httpx]``)."""

from __future__ import annotations

import ssl
import time
from typing import Any

import httpcore
import httpx

from .._http import HttpRequest, HttpResponse
from ..errors import OutcomeUnknownError, TransportError
from . import _deadline
from ._net import parse_proxy
from ._net import ssl_context as _ssl_context


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    if _deadline.expired():
        raise error("timed out: the attempt's time is up")
    return _deadline.left(timeout)


class _DeadlineStream(httpcore.NetworkStream):
    """httpcore's stream, each operation in what is left of the attempt."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(
            ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineNetwork(httpcore.NetworkBackend):
    def __init__(self, network: httpcore.NetworkBackend) -> None:
        self._network = network

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        stream = self._network.connect_tcp(
            host, port, _left(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        stream = self._network.connect_unix_socket(
            path, _left(timeout, httpcore.ConnectTimeout), socket_options
        )
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._network.sleep(seconds)


def _client(proxy: str | None, verify: bool | str | ssl.SSLContext) -> httpx.Client:
    if proxy is not None:
        parse_proxy(proxy)  # the same proxies as the other backends
    if not isinstance(verify, ssl.SSLContext):
        verify = _ssl_context(verify) or verify
    client = httpx.Client(verify=verify, proxy=proxy, follow_redirects=False)
    # httpx takes no network backend of its own; each transport's pool does (httpcore >= 0.17),
    # and makes every connection through this attribute: the direct one and those for the
    # proxies in the environment.
    transports: list[Any] = [client._transport, *client._mounts.values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        if pool is not None:
            pool._network_backend = _DeadlineNetwork(pool._network_backend)
    return client


class HttpxBackend:
    """Sends through an ``httpx.Client`` (yours, or a new one it owns) without following
    redirects: the client decides.

    With a client of yours the request timeout bounds each socket operation and the body read
    as a whole; with the one this backend makes (``ssl_context`` defaults to the system's), the
    whole attempt."""

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        proxy: str | None = None,
        verify: bool | str = True,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if client is not None and (proxy is not None or verify is not True or ssl_context):
            raise TypeError(
                "proxy=, verify= and ssl_context= configure the client this backend makes"
            )
        self._owns = client is None
        if client is None:
            client = _client(proxy, ssl_context if ssl_context is not None else verify)
        self.client = client

    def __repr__(self) -> str:
        return "HttpxBackend()"

    def send(self, request: HttpRequest) -> HttpResponse:
        with _deadline.attempt(request.timeout) as deadline:
            return self._send(request, deadline)

    def _send(self, request: HttpRequest, deadline: float) -> HttpResponse:
        limit = request.max_response_bytes
        try:
            with self.client.stream(
                request.method,
                request.url,
                headers=request.headers,
                content=request.body,
                timeout=request.timeout,
                follow_redirects=False,
            ) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        raise OutcomeUnknownError(f"response body larger than {limit} bytes")
                    if time.monotonic() >= deadline:
                        raise OutcomeUnknownError("timed out reading the answer")
        except (
            httpx.ConnectError,
            httpx.ConnectTimeout,
            httpx.PoolTimeout,
            httpx.UnsupportedProtocol,
            httpx.InvalidURL,
        ) as exc:
            # Raised while connecting (httpcore maps a failed TLS handshake to ConnectError)
            # or before: no byte of the request was written.
            raise TransportError(f"could not connect: {exc}") from exc
        except httpx.WriteTimeout as exc:
            # Part of the request stayed here; a server acts on none of a request it did not
            # get whole. (httpcore hides a WriteError and reads the answer instead.)
            raise TransportError(f"could not send the request: {exc}") from exc
        except OutcomeUnknownError:
            raise
        except Exception as exc:  # read errors, protocol errors, DecodingError, and the rest
            raise OutcomeUnknownError(f"sent the request, then lost the answer: {exc!r}") from exc
        return HttpResponse(
            response.status_code, {k.lower(): v for k, v in response.headers.items()}, bytes(body)
        )

    def close(self) -> None:
        if self._owns:
            self.client.close()
