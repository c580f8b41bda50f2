"""The emulator in process: the same handler as the HTTP server, no socket."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from .._http import HttpRequest, HttpResponse
from ..errors import OutcomeUnknownError, TransportError
from ._graph import GraphEmulator


class EmulatorBackend:
    """A backend that hands each request straight to a :class:`GraphEmulator`; socket faults
    become the errors a real backend would raise for them."""

    def __init__(self, emulator: GraphEmulator | None = None, base_url: str | None = None) -> None:
        self.emulator = emulator or GraphEmulator()
        #: Where its links (next pages, Location) point; by default the host each request
        #: named, as Graph's do, so that a client's next links stay on its own origin.
        self.base_url = base_url

    def __repr__(self) -> str:
        return "EmulatorBackend()"

    def send(self, request: HttpRequest) -> HttpResponse:
        emulator = self.emulator
        headers = {k.lower(): v for k, v in request.headers.items()}
        target = urlsplit(request.url)
        path = target.path + (f"?{target.query}" if target.query else "")
        fault = emulator.next_fault(request.method)
        if fault and fault.kind == "refuse":
            raise TransportError("connection refused (emulated)")
        refused = emulator.refuse_unread(headers, len(request.body))
        if refused is not None and not (fault and fault.kind == "drop_before_body"):
            emulator.record(request.method, path, headers, b"")  # as the server: body unread
            return HttpResponse(
                refused.status, {k.lower(): v for k, v in refused.headers.items()}, refused.body
            )
        emulator.record(
            request.method,
            path,
            headers,
            b"" if fault and fault.kind == "drop_before_body" else request.body,
        )
        if fault and fault.kind == "drop_before_body":
            raise OutcomeUnknownError("the connection closed with no answer (emulated)")
        late = False
        if fault and fault.kind == "delay":
            seconds = float(fault.params.get("seconds", 1.0))
            late = seconds > request.timeout
            time.sleep(min(seconds, request.timeout))
        base_url = self.base_url or f"{target.scheme}://{target.netloc}/beta"
        reply = emulator.handle(request.method, path, headers, request.body, fault, base_url)
        if late:
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

    def close(self) -> None:
        pass
