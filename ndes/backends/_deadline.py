"""One deadline for a whole attempt: connect, TLS handshake, send, and the read of the status
line, headers and body. A socket timeout bounds one read, so a server trickling a byte at a
time could hold an attempt for ever; each socket operation here gets only what is left.

The deadline travels in a context variable, set by a backend's ``send()`` around the call into
its HTTP library, because the library makes and reuses the connections itself."""

from __future__ import annotations

import contextvars
import io
import math
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import TransportError

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "ndes_attempt_deadline", default=None
)


@contextmanager
def attempt(seconds: float) -> Iterator[float]:
    """Run one attempt with `seconds` for all of its socket operations; yields the deadline
    (a time.monotonic() value)."""
    if not 0 < seconds < math.inf:  # NaN too: no socket takes it
        raise TransportError(f"the request timeout must be a positive number, not {seconds!r}")
    at = time.monotonic() + seconds
    token = _deadline.set(at)
    try:
        yield at
    finally:
        _deadline.reset(token)


def left(default: float | None) -> float | None:
    """Seconds the current attempt has left, for a library call that takes a timeout: at least
    a microsecond, so the call times out on its own and the library reports it as it always
    does. `default` outside an attempt."""
    at = _deadline.get()
    if at is None:
        return default
    return max(at - time.monotonic(), 1e-6)


def expired() -> bool:
    at = _deadline.get()
    return at is not None and time.monotonic() >= at


class DeadlineSocket:
    """A connected socket (plain or TLS) whose every send and receive may take only what is
    left of the current attempt. What it does not define goes to the socket underneath."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        # As socket.socket does: http.client closes the connection while the response is still
        # to be read from the file it made (a "Connection: close" answer), so the socket
        # closes only when the last file on it does.
        self._files = 0
        self._closing = False

    def _arm(self) -> None:
        at = _deadline.get()
        if at is None:
            return
        remaining = at - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out: the attempt's time is up")
        self._sock.settimeout(remaining)

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self._arm()
        return self._sock.recv_into(buffer, nbytes, flags)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        self._arm()
        return self._sock.recv(bufsize, flags)

    def send(self, data: Any, flags: int = 0) -> int:
        self._arm()
        return self._sock.send(data, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        self._arm()  # sendall keeps one deadline for all of the data (Python >= 3.5)
        self._sock.sendall(data, flags)

    def makefile(self, mode: str = "r", buffering: int | None = None, **_: Any) -> io.IOBase:
        # http.client reads the answer through this file: it must come back here for each read.
        if set(mode) - set("rb"):
            raise ValueError(f"DeadlineSocket.makefile: mode {mode!r} is not supported")
        raw = socket.SocketIO(self, "rb")  # type: ignore[arg-type]
        self._files += 1
        return io.BufferedReader(raw, io.DEFAULT_BUFFER_SIZE)

    def _decref_socketios(self) -> None:  # SocketIO.close() calls it
        self._files = max(0, self._files - 1)
        if self._closing and not self._files:
            self._sock.close()

    def close(self) -> None:
        self._closing = True
        if not self._files:
            self._sock.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)
