"""A loopback HTTP server that answers from a script: each request takes the next answer (a
(status, headers, body) tuple, a callable of the request giving one, or DROP to close the
connection after reading the request). What it saw is kept in `requests`."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DROP = "drop"


@dataclass
class Seen:
    method: str
    target: str  # the request target exactly as sent
    headers: dict[str, str]  # lower-case names
    body: bytes


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        seen = Seen(
            self.command,
            self.path,
            {k.lower(): v for k, v in self.headers.items()},
            self.rfile.read(length),
        )
        with self.server.lock:
            self.server.requests.append(seen)
            answer: Any = self.server.script.popleft() if self.server.script else (500, {}, b"")
        if callable(answer):
            answer = answer(seen)
        if answer == DROP:
            self.close_connection = True
            return
        status, headers, body = answer
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    script: deque[Any]
    requests: list[Seen]
    lock: threading.Lock


class ScriptedServer:
    def __init__(self, *answers: Any, host: str = "127.0.0.1") -> None:
        self._server = _Server((host, 0), _Handler)
        self._server.script = deque(answers)
        self._server.requests = []
        self._server.lock = threading.Lock()
        self.port = self._server.server_address[1]
        self.base_url = f"http://{host}:{self.port}/beta"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def requests(self) -> list[Seen]:
        return list(self._server.requests)

    def add(self, *answers: Any) -> None:
        with self._server.lock:
            self._server.script.extend(answers)

    def __enter__(self) -> ScriptedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


def json_answer(status: int, body: str | bytes, **headers: str) -> tuple[int, dict, bytes]:
    return status, {"Content-Type": "application/json", **headers}, body
