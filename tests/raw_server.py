"""Raw scripted loopback servers: each accepted connection runs a small script (read the request,
answer garbage, reset, trickle...), so a backend meets exactly one misbehaviour at a time.

Every wait is bounded: a connection times out after CONN_TIMEOUT seconds, and close() stops
the accept loop and every script."""

from __future__ import annotations

import os
import select
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conftest import TOKEN

import ndes
from ndes.backends import HttpxBackend, RequestsBackend, UrllibBackend

TLS_DIR = Path(__file__).parent / "tls"
CERT = str(TLS_DIR / "cert.pem")
KEY = str(TLS_DIR / "key.pem")
CONN_TIMEOUT = 20.0


@dataclass
class Seen:
    """One request a script read whole."""

    line: str  # "POST /beta/deviceManagement/ndesConnectors HTTP/1.1"
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def target(self) -> str:
        return self.line.split(" ")[1]


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


class Conn:
    """What a script gets: the accepted socket (TLS when the server is) and helpers."""

    def __init__(self, sock: socket.socket, server: ScriptedServer) -> None:
        self.sock = sock
        self.server = server
        self._buffer = b""

    @property
    def stopping(self) -> bool:
        return self.server.stop.is_set()

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self._buffer += chunk
        return bool(chunk)

    def read_request(self) -> Seen | None:
        """Read one request whole (Content-Length bodies); None if the peer closed first."""
        while b"\r\n\r\n" not in self._buffer:
            if not self._fill():
                return None
        head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        line, *fields = head.decode("latin-1").split("\r\n")
        headers: dict[str, str] = {}
        for field in fields:
            name, _, value = field.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self._buffer) < length:
            if not self._fill():
                return None
        body, self._buffer = self._buffer[:length], self._buffer[length:]
        seen = Seen(line, headers, body)
        with self.server.lock:
            self.server.requests.append(seen)
        return seen

    def wait_readable(self) -> None:
        """Block until the client has written something (without reading it)."""
        select.select([self.sock], [], [], CONN_TIMEOUT)

    def wait_whole_request(self) -> None:
        """Block until a whole request is in the socket's buffer, without reading any of it."""
        deadline = time.monotonic() + CONN_TIMEOUT
        while time.monotonic() < deadline and not self.stopping:
            data = self.sock.recv(1 << 20, socket.MSG_PEEK)
            head, found, body = data.partition(b"\r\n\r\n")
            if not data or (found and len(body) >= _content_length(head)):
                return
            time.sleep(0.005)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def trickle(self, data: bytes, interval: float) -> None:
        """One byte at a time, until done or the server stops (or the client hangs up)."""
        for i in range(len(data)):
            if self.stopping:
                return
            self.sock.sendall(data[i : i + 1])
            self.server.trickled = i + 1
            time.sleep(interval)

    def reset(self) -> None:
        """Close with an RST instead of a FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def raw_send(self, data: bytes) -> None:
        """Bytes on the TCP stream under TLS: garbage to the client's TLS layer."""
        raw = socket.socket(fileno=os.dup(self.sock.fileno()))
        try:
            raw.sendall(data)
        finally:
            raw.close()


Script = Callable[[Conn], None]


class ScriptedServer:
    def __init__(self, script: Script, *, host: str = "127.0.0.1", tls: bool = False) -> None:
        self.script = script
        self.tls = tls
        self.listener = socket.create_server((host, 0))
        self.listener.settimeout(0.1)
        self.host = host
        self.port = self.listener.getsockname()[1]
        self.requests: list[Seen] = []
        self.connections = 0
        self.trickled = 0  # bytes Conn.trickle sent so far
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._run, daemon=True)
        self._accept.start()

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}/beta"

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                sock, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            with self.lock:
                self.connections += 1
            thread = threading.Thread(target=self._handle, args=(sock,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _handle(self, sock: socket.socket) -> None:
        sock.settimeout(CONN_TIMEOUT)
        try:
            if self.tls:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(CERT, KEY)
                sock = context.wrap_socket(sock, server_side=True)
            self.script(Conn(sock, self))
        except (OSError, ValueError):
            pass  # the client hung up, as several scenarios make it do
        finally:
            sock.close()

    def close(self) -> None:
        self.stop.set()
        self._accept.join(5)
        for thread in self._threads:
            thread.join(CONN_TIMEOUT)
        self.listener.close()

    def __enter__(self) -> ScriptedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def http_response(
    status: int, headers: list[tuple[str, str]], body: bytes, *, length: bool = True
) -> bytes:
    reason = {201: "Created", 307: "Temporary Redirect", 401: "Unauthorized"}.get(status, "X")
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in headers]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


CONNECTOR = b'{"@odata.type":"#microsoft.graph.ndesConnector","id":"c1","displayName":"x"}'
TWO_LENGTHS = http_response(
    201,
    [("Content-Length", str(len(CONNECTOR))), ("Content-Length", str(len(CONNECTOR) + 5))],
    CONNECTOR,
    length=False,
)


def answer(data: bytes) -> Callable[[Conn], None]:
    def script(conn: Conn) -> None:
        if conn.read_request() is not None:
            conn.send(data)

    return script


# -- clients over each socket backend, trusting tests/tls/cert.pem --------------------------


def make_backend(kind: str, *, trust: bool = True) -> object:
    context = ssl.create_default_context(cafile=CERT if trust else None)
    if kind == "urllib":
        return UrllibBackend(ssl_context=context)
    if kind == "httpx":
        return HttpxBackend(ssl_context=context)
    backend = RequestsBackend()
    backend.session.trust_env = False  # else REQUESTS_CA_BUNDLE wins over session.verify
    backend.session.verify = CERT if trust else True
    return backend


def client(kind: str, base_url: str, *, trust: bool = True, **options: object) -> ndes.Client:
    settings: dict[str, object] = {"max_retries": 2, "retry_backoff": 0.001, "timeout": 5.0}
    settings.update(options)
    backend = make_backend(kind, trust=trust)
    return ndes.Client(TOKEN, backend=backend, base_url=base_url, **settings)  # type: ignore[arg-type]
