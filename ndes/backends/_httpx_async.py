"""An async backend over httpx (``pip install ndes[httpx]``), for :class:`ndes.AsyncClient`."""

from __future__ import annotations

import httpx

from .._http import HttpRequest, HttpResponse
from ._httpx_shared import Body, answer, classify, client_options, stream_options


class AsyncHttpxBackend:
    """Sends through an ``httpx.AsyncClient`` (yours, or a new one it owns, which takes
    ``proxy`` and ``verify``) without following redirects: the client decides.

    A send that is cancelled leaves its connection closed, never back in the pool half read
    (httpcore closes a connection whose exchange did not finish)."""

    def __init__(
        self,
        client: httpx.AsyncClient | None = None,
        *,
        proxy: str | None = None,
        verify: bool | str = True,
    ) -> None:
        if client is not None:
            if not isinstance(client, httpx.AsyncClient):
                raise TypeError(
                    f"AsyncHttpxBackend wraps an httpx.AsyncClient, not {type(client).__name__}"
                    + (
                        ": use HttpxBackend with ndes.Client"
                        if isinstance(client, httpx.Client)
                        else ""
                    )
                )
            if proxy is not None or verify is not True:
                raise TypeError(
                    "proxy= and verify= configure the client it makes; set them on yours"
                )
        self._owns = client is None
        self.client = (
            client if client is not None else httpx.AsyncClient(**client_options(proxy, verify))
        )

    def __repr__(self) -> str:
        return "AsyncHttpxBackend()"

    async def send(self, request: HttpRequest) -> HttpResponse:
        try:
            async with self.client.stream(**stream_options(request)) as response:
                body = Body(request.max_response_bytes)
                async for chunk in response.aiter_bytes():
                    body.add(chunk)
        except httpx.TransportError as exc:
            raise classify(exc) from exc
        return answer(response, body)

    async def aclose(self) -> None:
        if self._owns:
            await self.client.aclose()
