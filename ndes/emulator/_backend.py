"""The emulator in process: the same handler as the HTTP server, no socket."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from .._http import HttpRequest, HttpResponse
from ..errors import OutcomeUnknownError, TransportError
from ._graph import Fault, GraphEmulator, Reply


@dataclass
class _Arrival:
    """A request the emulator has seen and not yet acted on."""

    request: HttpRequest
    path: str
    headers: dict[str, str]
    fault: Fault | None
    #: Where the answer's links point.
    base_url: str
    #: How long the answer is held back (a "delay" fault), at most the request's timeout.
    delay: float = 0.0
    late: bool = False
    #: The answer given on the headers alone (401, 413), the body left unread.
    refused: Reply | None = None


class _InProcess:
    def __init__(self, emulator: GraphEmulator | None = None, base_url: str | None = None) -> None:
        self.emulator = emulator or GraphEmulator()
        #: Where its links (Location, next pages) point; by default the host each request
        #: named, as Graph's do.
        self.base_url = base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def _arrive(self, request: HttpRequest) -> _Arrival:
        emulator = self.emulator
        headers = {k.lower(): v for k, v in request.headers.items()}
        target = urlsplit(request.url)
        path = target.path + (f"?{target.query}" if target.query else "")
        fault = emulator.next_fault(request.method)
        if fault and fault.kind == "refuse":
            raise TransportError("connection refused (emulated)")
        base_url = self.base_url or f"{target.scheme}://{target.netloc}/beta"
        refused = emulator.refuse_unread(headers, len(request.body))
        if refused is not None and not (fault and fault.kind == "drop_before_body"):
            emulator.record(request.method, path, headers, b"")  # as the server: body unread
            return _Arrival(request, path, headers, None, base_url, refused=refused)
        emulator.record(
            request.method,
            path,
            headers,
            b"" if fault and fault.kind == "drop_before_body" else request.body,
        )
        if fault and fault.kind == "drop_before_body":
            raise OutcomeUnknownError("the connection closed with no answer (emulated)")
        arrival = _Arrival(request, path, headers, fault, base_url)
        if fault and fault.kind == "delay":
            seconds = float(fault.params.get("seconds", 1.0))
            arrival.late = seconds > request.timeout
            arrival.delay = min(seconds, request.timeout)
        return arrival

    def _handle(self, arrival: _Arrival) -> Reply:
        if arrival.refused is not None:
            return arrival.refused
        request = arrival.request
        return self.emulator.handle(
            request.method,
            arrival.path,
            arrival.headers,
            request.body,
            arrival.fault,
            arrival.base_url,
        )

    def _act(self, arrival: _Arrival) -> HttpResponse:
        request = arrival.request
        reply = self._handle(arrival)
        if arrival.late:
            raise OutcomeUnknownError(
                f"timed out after {request.timeout}s waiting for the answer (emulated)"
            )
        if reply.then != "respond":
            raise OutcomeUnknownError(f"the connection closed mid-answer ({reply.then}, emulated)")
        if len(reply.body) > request.max_response_bytes:
            raise OutcomeUnknownError(
                f"response body larger than {request.max_response_bytes} bytes; not read"
            )
        return HttpResponse(
            reply.status, {k.lower(): v for k, v in reply.headers.items()}, reply.body
        )


class EmulatorBackend(_InProcess):
    """A backend that hands each request straight to a :class:`GraphEmulator`; socket faults
    become the errors a real backend would raise for them."""

    def send(self, request: HttpRequest) -> HttpResponse:
        arrival = self._arrive(request)
        if arrival.delay:
            time.sleep(arrival.delay)
        return self._act(arrival)

    def close(self) -> None:
        pass


class AsyncEmulatorBackend(_InProcess):
    """:class:`EmulatorBackend` for :class:`ndes.AsyncClient`: a delay fault waits without
    blocking the loop, so many tasks can share one emulator."""

    async def send(self, request: HttpRequest) -> HttpResponse:
        arrival = self._arrive(request)
        if arrival.delay:
            try:
                await asyncio.sleep(arrival.delay)
            except asyncio.CancelledError:
                # A server that has read the request acts on it whether or not the client
                # still waits for the answer.
                self._handle(arrival)
                raise
        return self._act(arrival)

    async def aclose(self) -> None:
        pass
