"""A backend over requests (``pip install ndes[requests]``)."""

from __future__ import annotations

import time
from types import CodeType
from typing import Any

import requests
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from .._http import HttpRequest, HttpResponse
from ..errors import OutcomeUnknownError, TransportError
from . import _deadline
from ._net import parse_proxy


class _DeadlineConnection:
    """Mixed into urllib3's connections: connect and handshake in what is left of the attempt,
    then every read and write through a DeadlineSocket."""

    timeout: Any
    sock: Any

    def _new_conn(self) -> Any:
        if isinstance(self.timeout, (int, float)):
            self.timeout = _deadline.left(self.timeout)
        sock = super()._new_conn()  # type: ignore[misc]
        sock.settimeout(_deadline.left(sock.gettimeout()))  # for the TLS handshake next
        return sock

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self.sock = _deadline.DeadlineSocket(self.sock)


class _HTTPConnection(_DeadlineConnection, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineConnection, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _Adapter(HTTPAdapter):
    """No retries of urllib3's own (it must never re-send a POST), the attempt deadline, and a
    `verify=` that REQUESTS_CA_BUNDLE cannot override, as it overrides a session's own
    (psf/requests#3829)."""

    def __init__(self, verify: bool | str = True) -> None:
        super().__init__(max_retries=0)
        self._verify = verify

    def send(
        self,
        request: Any,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> Any:
        if self._verify is not True:
            verify = self._verify
        return super().send(request, stream, timeout, verify, cert, proxies)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools make their own connections
            manager.pool_classes_by_scheme = _POOLS
        return manager


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class RequestsBackend:
    """Sends through a ``requests.Session`` (yours, or a new one it owns) with no redirects and
    no retries of its own: the client decides both.

    A session of yours keeps its own adapters; the request timeout then bounds each socket
    operation and the body read as a whole, not the wait for the status line and headers.
    Mount ``RequestsBackend.adapter()`` on it for the whole-attempt bound."""

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        proxy: str | None = None,
        verify: bool | str = True,
    ) -> None:
        self._owns = session is None
        if session is None:
            session = requests.Session()
            adapter = _Adapter(verify)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            if proxy is not None:
                parse_proxy(proxy)  # the same proxies as the other backends
                session.proxies = {"http": proxy, "https": proxy}
            session.verify = verify
        elif proxy is not None or verify is not True:
            raise TypeError("proxy= and verify= configure the session this backend makes")
        self.session = session

    @staticmethod
    def adapter() -> HTTPAdapter:
        return _Adapter()

    def __repr__(self) -> str:
        return "RequestsBackend()"

    def send(self, request: HttpRequest) -> HttpResponse:
        with _deadline.attempt(request.timeout) as deadline:
            return self._send(request, deadline)

    def _send(self, request: HttpRequest, deadline: float) -> HttpResponse:
        session = self.session
        try:
            prepared = session.prepare_request(
                requests.Request(request.method, request.url, request.headers, data=request.body)
            )
            url = prepared.url or request.url
            settings = session.merge_environment_settings(url, {}, True, None, None)
        except Exception as exc:  # nothing has been sent while the request is being built
            raise TransportError(f"could not build the request: {type(exc).__name__}") from exc
        try:
            response = session.send(
                prepared, timeout=request.timeout, allow_redirects=False, **settings
            )
        except Exception as exc:  # requests' errors, and urllib3's it lets through unwrapped
            if _before_sending(exc):
                raise TransportError(f"could not connect: {exc}") from exc
            raise OutcomeUnknownError(f"sent the request, then lost the answer: {exc}") from exc
        try:
            body = _read_body(response, request.max_response_bytes, deadline)
        except OutcomeUnknownError:
            raise
        except Exception as exc:  # urllib3's read and decoding errors: the answer is unusable
            raise OutcomeUnknownError(f"lost the answer while reading it: {exc!r}") from exc
        finally:
            response.close()
        return HttpResponse(
            response.status_code, {k.lower(): v for k, v in response.headers.items()}, body
        )

    def close(self) -> None:
        if self._owns:
            self.session.close()


def _read_body(response: requests.Response, limit: int, deadline: float) -> bytes:
    body = bytearray()
    while len(body) <= limit:
        # Between reads too: a session of yours reads without the DeadlineSocket.
        if time.monotonic() >= deadline:
            raise OutcomeUnknownError("timed out reading the answer: the attempt's time is up")
        chunk = response.raw.read(min(65536, limit + 1 - len(body)), decode_content=True)
        if not chunk:
            return bytes(body)
        body += chunk
    raise OutcomeUnknownError(f"response body larger than {limit} bytes; not read")


_CONNECT_CODE: frozenset[CodeType] = frozenset(
    (
        urllib3.connection.HTTPConnection._new_conn.__code__,
        urllib3.connection.HTTPConnection.connect.__code__,
        urllib3.connection.HTTPSConnection.connect.__code__,
    )
)


def _before_sending(exc: BaseException) -> bool:
    """True when the failure happened while connecting (DNS, refused, connect timeout, TLS
    handshake), before any byte of the request was written.

    urllib3 reports a failed handshake and a TLS peer that sends garbage after reading the
    request with the same SSLError, and a handshake timeout as a read timeout, so the type says
    too little: what tells them apart is whether the original error was raised inside
    urllib3's connect()."""
    seen: set[int] = set()
    pending: list[Any] = [exc]
    while pending:
        cause = pending.pop()
        if cause is None or id(cause) in seen or not isinstance(cause, BaseException):
            continue
        seen.add(id(cause))
        if isinstance(
            cause,
            (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError),
        ):
            return True
        tb = cause.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code in _CONNECT_CODE:
                return True
            tb = tb.tb_next
        pending += [cause.__cause__, cause.__context__, getattr(cause, "reason", None)]
        pending += [a for a in cause.args if isinstance(a, BaseException)]
    return False
