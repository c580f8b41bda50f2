"""A backend over httpx (``pip install ndes[httpx]``)."""

from __future__ import annotations

import httpx

from .._http import HttpRequest, HttpResponse
from ..errors import OutcomeUnknownError, TransportError
from ._net import parse_proxy, ssl_context


class HttpxBackend:
    """Sends through an ``httpx.Client`` (yours, or a new one it owns) without following
    redirects: the client decides."""

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        proxy: str | None = None,
        verify: bool | str = True,
    ) -> None:
        self._owns = client is None
        if client is None:
            if proxy is not None:
                parse_proxy(proxy)  # the same proxies as the other backends
            context = ssl_context(verify)
            client = httpx.Client(
                follow_redirects=False, proxy=proxy, verify=verify if context is None else context
            )
        elif proxy is not None or verify is not True:
            raise TypeError("proxy= and verify= configure the client this backend makes")
        self.client = client

    def __repr__(self) -> str:
        return "HttpxBackend()"

    def send(self, request: HttpRequest) -> HttpResponse:
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
                    if len(body) > request.max_response_bytes:
                        limit = request.max_response_bytes
                        raise OutcomeUnknownError(
                            f"response body larger than {limit} bytes; not read"
                        )
        except (
            httpx.ConnectError,
            httpx.ConnectTimeout,
            httpx.PoolTimeout,
            httpx.UnsupportedProtocol,
        ) as exc:
            raise TransportError(f"could not connect: {exc}") from exc
        except (httpx.WriteError, httpx.WriteTimeout) as exc:
            # The request did not go out whole, so the server cannot act on it.
            raise TransportError(f"could not send the request: {exc}") from exc
        except httpx.TransportError as exc:
            raise OutcomeUnknownError(f"sent the request, then lost the answer: {exc!r}") from exc
        return HttpResponse(
            response.status_code, {k.lower(): v for k, v in response.headers.items()}, bytes(body)
        )

    def close(self) -> None:
        if self._owns:
            self.client.close()
