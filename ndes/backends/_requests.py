"""A backend over requests (``pip install ndes[requests]``)."""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter

from .._http import HttpRequest, HttpResponse
from ..errors import OutcomeUnknownError, TransportError
from ._net import parse_proxy


class RequestsBackend:
    """Sends through a ``requests.Session`` (yours, or a new one it owns) with no redirects and
    no retries of its own: the client decides both."""

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

    def __repr__(self) -> str:
        return "RequestsBackend()"

    def send(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.session.request(
                request.method,
                request.url,
                headers=request.headers,
                data=request.body,
                timeout=request.timeout,
                allow_redirects=False,
                stream=True,
            )
        except (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError) as exc:
            raise TransportError(f"could not connect: {exc}") from exc
        except requests.exceptions.ConnectionError as exc:
            if _before_sending(exc):
                raise TransportError(f"could not connect: {exc}") from exc
            raise OutcomeUnknownError(f"sent the request, then lost the answer: {exc}") from exc
        except requests.exceptions.Timeout as exc:
            raise OutcomeUnknownError(f"sent the request, then timed out: {exc}") from exc
        except requests.exceptions.RequestException as exc:
            raise TransportError(f"request failed before sending: {exc}") from exc
        try:
            body = response.raw.read(request.max_response_bytes + 1, decode_content=True)
        except Exception as exc:  # urllib3's read errors: the body was cut short
            raise OutcomeUnknownError(f"lost the answer while reading it: {exc}") from exc
        finally:
            response.close()
        if len(body) > request.max_response_bytes:
            raise OutcomeUnknownError(
                f"response body larger than {request.max_response_bytes} bytes; not read"
            )
        return HttpResponse(
            response.status_code, {k.lower(): v for k, v in response.headers.items()}, body
        )

    def close(self) -> None:
        if self._owns:
            self.session.close()


class _Adapter(HTTPAdapter):
    """No retries (urllib3 must never re-send a POST), and a `verify=` that REQUESTS_CA_BUNDLE
    cannot override, as it overrides a session's own (psf/requests#3829)."""

    def __init__(self, verify: bool | str) -> None:
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


def _before_sending(exc: BaseException) -> bool:
    """True for failures to connect (refused, unresolvable), which happen before any byte."""
    import urllib3.exceptions

    seen: set[int] = set()
    cause: Any = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(
            cause, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)
        ):
            return True
        if isinstance(cause, urllib3.exceptions.MaxRetryError):
            cause = cause.reason
            continue
        cause = (
            cause.args[0]
            if cause.args and isinstance(cause.args[0], BaseException)
            else cause.__cause__
        )
    return False
