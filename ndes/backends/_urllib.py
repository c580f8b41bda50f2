"""The default backend: http.client from the standard library, one pool of kept-alive
connections per (scheme, host, port), safe to share between threads."""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
import time
from urllib.parse import urlsplit

from .._http import HttpRequest, HttpResponse
from ..errors import OutcomeUnknownError, TransportError
from . import _deadline
from ._net import ProxyChoice
from ._net import ssl_context as make_ssl_context

# Servers close idle connections after a while; one idle longer than this is not reused.
MAX_IDLE_SECONDS = 30.0
MAX_IDLE_PER_HOST = 8


def _check_framing(response: http.client.HTTPResponse) -> None:
    """Refuse an answer whose length or encoding is not plain: http.client reads the first of
    two Content-Lengths where another client reads the second, and decodes no Content-Encoding
    (ndes asks for none)."""
    lengths = {v.strip() for v in response.msg.get_all("Content-Length") or ()}
    if len(lengths) > 1:
        raise OutcomeUnknownError(f"the answer has {len(lengths)} different Content-Lengths")
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding != "identity":
        raise OutcomeUnknownError(f"the answer is {encoding!r}-encoded, which ndes did not ask for")


class _Connection(http.client.HTTPConnection):
    def connect(self) -> None:
        self.timeout = _deadline.left(self.timeout)
        super().connect()
        self.sock = _deadline.DeadlineSocket(self.sock)


class _TLSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._tls = context

    def connect(self) -> None:
        self.timeout = _deadline.left(self.timeout)
        http.client.HTTPConnection.connect(self)  # TCP; then the handshake, in what is left
        self.sock.settimeout(_deadline.left(self.timeout))
        # Through a CONNECT tunnel the certificate is the origin's, not the proxy's.
        server_hostname = getattr(self, "_tunnel_host", None) or self.host
        self.sock = self._tls.wrap_socket(self.sock, server_hostname=server_hostname)
        self.sock = _deadline.DeadlineSocket(self.sock)


class _AbsoluteForm(_Connection):
    """Plain HTTP through a forward proxy: the request target is the absolute URL."""

    def __init__(
        self,
        proxy_host: str,
        proxy_port: int,
        timeout: float,
        origin: str,
        proxy_headers: dict[str, str],
    ) -> None:
        super().__init__(proxy_host, proxy_port, timeout=timeout)
        self._origin = origin
        self._proxy_headers = proxy_headers

    def putrequest(self, method: str, url: str, *args: bool, **kwargs: bool) -> None:
        super().putrequest(method, self._origin + url, *args, **kwargs)
        for name, value in self._proxy_headers.items():
            self.putheader(name, value)


def _read_capped(response: http.client.HTTPResponse, limit: int) -> bytes:
    body = response.read(limit + 1)
    if len(body) > limit:
        raise OutcomeUnknownError(f"response body larger than {limit} bytes; not read")
    if response.length:  # read(n) returns what came before the connection closed
        raise OutcomeUnknownError(
            f"the answer was cut short: {len(body)} of {len(body) + response.length} bytes"
        )
    return body


def _dropped(conn: http.client.HTTPConnection) -> bool:
    """True when the server closed an idle connection (it reads as ready: EOF or junk)."""
    sock = conn.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class UrllibBackend:
    """Standard-library HTTP(S) with keep-alive.

    ``proxy``: an ``http://[user:password@]host:port`` proxy for every request (CONNECT for
    HTTPS); without it, HTTPS_PROXY/HTTP_PROXY/ALL_PROXY and NO_PROXY are read once, here, as
    requests reads them. ``verify``: True (the system's CAs), False, or the path of a CA
    bundle; ``ssl_context`` instead gives the whole TLS context."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        proxy: str | None = None,
        verify: bool | str = True,
    ) -> None:
        if ssl_context is not None and verify is not True:
            raise TypeError("give ssl_context or verify, not both")
        self._ssl_context = ssl_context or make_ssl_context(verify)
        self._proxies = ProxyChoice(proxy)
        self._idle: dict[tuple[str, str, int], list[tuple[float, http.client.HTTPConnection]]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def __repr__(self) -> str:
        return "UrllibBackend()"

    def _checkout(
        self, key: tuple[str, str, int], timeout: float
    ) -> tuple[http.client.HTTPConnection, bool]:
        now = time.monotonic()
        with self._lock:
            idle = self._idle.get(key, [])
            while idle:
                since, conn = idle.pop()
                if now - since < MAX_IDLE_SECONDS and not _dropped(conn):
                    conn.timeout = timeout
                    if conn.sock is not None:
                        conn.sock.settimeout(timeout)
                    return conn, True
                conn.close()
        return self._new_connection(key, timeout), False

    def _new_connection(
        self, key: tuple[str, str, int], timeout: float
    ) -> http.client.HTTPConnection:
        scheme, host, port = key
        proxy = self._proxies.for_origin(scheme, host, port)
        if scheme == "https":
            context = self._ssl_context or ssl.create_default_context()
            if proxy is None:
                return _TLSConnection(host, port, timeout=timeout, context=context)
            conn = _TLSConnection(proxy.host, proxy.port, timeout=timeout, context=context)
            conn.set_tunnel(host, port, headers=proxy.headers)
            return conn
        if proxy is None:
            return _Connection(host, port, timeout=timeout)
        origin = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
        return _AbsoluteForm(proxy.host, proxy.port, timeout, origin, proxy.headers)

    def _checkin(self, key: tuple[str, str, int], conn: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if self._closed or len(idle) >= MAX_IDLE_PER_HOST:
                conn.close()
            else:
                idle.append((time.monotonic(), conn))

    def send(self, request: HttpRequest) -> HttpResponse:
        with _deadline.attempt(request.timeout):
            return self._send(request)

    def _send(self, request: HttpRequest) -> HttpResponse:
        # The client hands over a URL normalize_url made: it is sent as it is.
        parts = urlsplit(request.url)
        scheme = parts.scheme
        host = parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        key = (scheme, host, port)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        conn, reused = self._checkout(key, request.timeout)
        try:
            if not reused:
                conn.connect()
        except (OSError, http.client.HTTPException) as exc:
            # Refused, unresolvable, timed out or a failed TLS handshake: no byte of the
            # request was written.
            conn.close()
            raise TransportError(f"could not connect to {host}:{port}: {exc}") from exc
        try:
            conn.putrequest(request.method, target, skip_accept_encoding=True)
            for name, value in request.headers.items():
                conn.putheader(name, value)
            conn.putheader("Content-Length", str(len(request.body)))
            conn.endheaders(request.body)
        except (OSError, http.client.HTTPException) as exc:
            # sendall() failed: part of the request stayed here, and a server acts on none of
            # a request it did not get whole (its Content-Length says how much to wait for).
            conn.close()
            raise TransportError(f"could not send the request to {host}:{port}: {exc}") from exc
        try:
            response = conn.getresponse()
            _check_framing(response)
            body = _read_capped(response, request.max_response_bytes)
            headers = {k.lower(): v for k, v in response.getheaders()}
        except OutcomeUnknownError:
            conn.close()
            raise
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # ValueError: http.client's parse of a malformed status line or chunk size.
            conn.close()
            what = "timed out waiting for" if isinstance(exc, socket.timeout) else "lost"
            raise OutcomeUnknownError(
                f"sent the request to {host}:{port}, then {what} the answer: {exc!r}"
            ) from exc
        if response.will_close:
            conn.close()
        else:
            self._checkin(key, conn)
        return HttpResponse(response.status, headers, body)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for idle in self._idle.values():
                for _, conn in idle:
                    conn.close()
            self._idle.clear()
