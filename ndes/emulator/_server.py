"""The emulator over real HTTP/1.1 on a loopback port, with keep-alive and socket faults."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from .._protocol import url_host
from ._graph import GraphEmulator, Reply, _error

ADMIN = "/_emulator"
log = logging.getLogger("ndes.emulator")
ADMIN_MAX_BYTES = 64 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per answer and no Nagle delay: otherwise the client's delayed ACK costs 40 ms.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        # One line per request on the "ndes.emulator" logger (the `ndes emulator` command
        # shows it); the library itself never prints.
        log.info("%s %s", self.address_string(), format % args)

    def _serve(self) -> None:
        emulator = self.server.emulator
        headers = {k.lower(): v for k, v in self.headers.items()}
        if self.path.startswith(ADMIN):
            return self._admin(emulator)
        fault = emulator.next_fault(self.command)
        if fault and fault.kind == "drop_before_body":
            emulator.record(self.command, self.path, headers, b"")
            self.close_connection = True
            return
        length = _content_length(self.headers)
        refused = (
            emulator.refuse_unread(headers, length)
            if length is not None
            else _error(
                411,
                "BadRequest",
                "A request needs one valid Content-Length.",
                headers.get("client-request-id", ""),
            )
        )
        if refused is not None:
            # The body is left unread, so the connection cannot carry another request.
            emulator.record(self.command, self.path, headers, b"")
            refused.headers["Connection"] = "close"
            self.close_connection = True
            return self._reply(refused)
        body = self.rfile.read(length)
        emulator.record(self.command, self.path, headers, body)
        if fault and fault.kind == "delay":
            time.sleep(float(fault.params.get("seconds", 1.0)))
        reply = emulator.handle(self.command, self.path, headers, body, fault, self.server.base_url)
        if reply.then == "drop_after_body":
            self.close_connection = True
            return
        self._reply(reply)

    def _reply(self, reply: Reply) -> None:
        # The reply carries its own Date (the one in its error JSON): send_response would add
        # a second one.
        self.log_request(reply.status)
        self.send_response_only(reply.status)
        for name, value in reply.headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        if reply.then == "truncate":
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def _admin(self, emulator: GraphEmulator) -> None:
        """Control for a test or a benchmark in another process: faults and counts."""
        length = _content_length(self.headers)
        if length is None or length > ADMIN_MAX_BYTES:
            self.close_connection = True
            return self._reply(_error(413, "RequestEntityTooLarge", "Admin body refused.", ""))
        body = self.rfile.read(length)
        if self.command == "POST" and self.path == ADMIN + "/faults":
            spec = json.loads(body or b"{}")
            emulator.inject(
                spec.pop("kind"), int(spec.pop("count", 1)), method=spec.pop("method", None), **spec
            )
            payload = b"{}"
        elif self.command == "POST" and self.path == ADMIN + "/throttle":
            emulator.throttle_writes(**json.loads(body or b"{}"))
            payload = b"{}"
        elif self.command == "DELETE" and self.path == ADMIN:
            emulator.reset()
            payload = b"{}"
        else:
            state = {"requests": len(emulator.requests), "connectors": len(emulator.connectors)}
            payload = json.dumps(state).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


def _content_length(headers: Message) -> int | None:
    """The one Content-Length of a request (0 without a body), or None for none usable: two
    values, a chunked body, or not a plain non-negative number."""
    if headers.get("Transfer-Encoding"):
        return None
    values = [v.strip() for v in headers.get_all("Content-Length") or ["0"]]
    if len(values) != 1 or not _LENGTH.fullmatch(values[0]):
        return None
    return int(values[0])


_LENGTH = re.compile(r"[0-9]{1,18}", re.ASCII)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # Many clients connect at once (50 asyncio tasks, each with its own connection): with the
    # default backlog of 5 the kernel drops their SYNs and each retries a second later.
    request_queue_size = 128
    emulator: GraphEmulator
    base_url: str

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up (as the fault tests make them do) is no error of the server's.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            log.exception("error serving %s", client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


class EmulatorServer:
    """A running emulator: ``base_url`` to give a Client, ``emulator`` to inspect and inject
    faults into. A context manager; ``close()`` stops it."""

    def __init__(
        self, emulator: GraphEmulator | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.emulator = emulator or GraphEmulator()
        server_class = _Server6 if ":" in host else _Server
        self._server = server_class((host, port), _Handler)
        self._server.emulator = self.emulator
        address = self._server.server_address
        self.host, self.port = str(address[0]), int(address[1])
        self.base_url = f"http://{url_host(self.host)}:{self.port}/beta"
        self._server.base_url = self.base_url
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="ndes-emulator", daemon=True
        )
        self._thread.start()

    def __repr__(self) -> str:
        return f"EmulatorServer({self.base_url})"

    def __enter__(self) -> EmulatorServer:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> EmulatorServer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        import asyncio

        # shutdown() waits for the serving thread's next poll: not on the event loop.
        await asyncio.to_thread(self.close)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def serve_forever(self) -> None:
        """Block until interrupted (the ``ndes emulator`` command)."""
        self._thread.join()


def serve(
    host: str = "127.0.0.1", port: int = 0, emulator: GraphEmulator | None = None
) -> EmulatorServer:
    """Start an emulator on a loopback port (a free one by default)."""
    return EmulatorServer(emulator, host, port)
