"""A tiny loopback proxy for tests: CONNECT tunnels (HTTPS) and absolute-form requests (plain
HTTP), one request line kept per connection in `seen`, then bytes relayed both ways."""

from __future__ import annotations

import socket
import socketserver
import threading
from urllib.parse import urlsplit


def _pipe(a: socket.socket, b: socket.socket) -> None:
    try:
        while chunk := a.recv(65536):
            b.sendall(chunk)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(socketserver.StreamRequestHandler):
    server: _Server
    rbufsize = 0  # the head is read byte by byte, so nothing after it sits in a buffer

    def handle(self) -> None:
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            byte = self.rfile.read(1)
            if not byte:
                return
            head += byte
        line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = dict(h.split(": ", 1) for h in header_lines if h)
        with self.server.lock:
            self.server.seen.append((line, headers))
        method, target, _ = line.split(" ")
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)), timeout=10)
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            url = urlsplit(target)
            upstream = socket.create_connection((url.hostname, url.port or 80), timeout=10)
            origin_form = url.path + (f"?{url.query}" if url.query else "")
            upstream.sendall(head.replace(target.encode(), origin_form.encode(), 1))
        relay = threading.Thread(target=_pipe, args=(upstream, self.connection), daemon=True)
        relay.start()
        _pipe(self.connection, upstream)
        relay.join(10)
        upstream.close()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    seen: list[tuple[str, dict[str, str]]]
    lock: threading.Lock


class Proxy:
    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.seen = []
        self._server.lock = threading.Lock()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def seen(self) -> list[tuple[str, dict[str, str]]]:
        """(request line, headers) of each connection made through the proxy."""
        with self._server.lock:
            return list(self._server.seen)

    def __enter__(self) -> Proxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)
