"""The emulator reads and keeps at most max_request_bytes of a body, and none of a request it
refuses on its headers (401, 413, no usable Content-Length): it answers at once, leaves the body
unread and closes the connection."""

from __future__ import annotations

import socket

import pytest
from conftest import TOKEN

import ndes
from ndes.emulator import EmulatorBackend, GraphEmulator, serve

PATH = "/beta/deviceManagement/ndesConnectors"


def post_head(port: int, headers: dict[str, str]) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    lines = [f"POST {PATH} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    return sock


def read_answer(sock: socket.socket) -> bytes:
    """Everything until the server closes: the answer, then EOF (or a reset, as the body we
    still had to send arrives at a closed socket)."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Authorization": f"Bearer {TOKEN}", "Content-Length": str(50_000_000)}, 413),
        ({"Content-Length": "1000"}, 401),
        ({"Authorization": "Bearer ", "Content-Length": "1000"}, 401),
        ({"Authorization": f"Bearer {TOKEN}", "Content-Length": "\u00b2"}, 411),
        ({"Authorization": f"Bearer {TOKEN}", "Content-Length": "9" * 5000}, 411),
        ({"Authorization": f"Bearer {TOKEN}", "Transfer-Encoding": "chunked"}, 411),
    ],
)
def test_refused_on_its_headers_the_body_is_never_read(headers, status):
    emu = GraphEmulator(max_request_bytes=1 << 20)
    with serve(emulator=emu) as server:
        sock = post_head(server.port, headers)
        with sock:
            answer = read_answer(sock)  # nothing of the body was sent: the server did not wait
            assert answer.startswith(f"HTTP/1.1 {status} ".encode()), answer[:80]
            assert b"Connection: close" in answer
            with pytest.raises(OSError):  # the server closed: a body now meets a reset
                for _ in range(50_000_000 // 65536):
                    sock.sendall(b"x" * 65536)
    (seen,) = emu.requests
    assert seen.body == b"" and emu.connectors == []


def test_the_cap_is_a_setting_and_a_body_under_it_is_read():
    emu = GraphEmulator(max_request_bytes=200)
    with serve(emulator=emu) as server:
        with ndes.Client(TOKEN, base_url=server.base_url) as client:
            created = client.create(display_name="x")
            with pytest.raises(ndes.GraphError) as e:
                client.create(display_name="x" * 300)
    assert e.value.status == 413 and e.value.code == "RequestEntityTooLarge"
    assert emu.connectors == [created]
    assert [len(r.body) > 0 for r in emu.requests] == [True, False]


def test_in_process_backend_keeps_no_refused_body():
    emu = GraphEmulator(max_request_bytes=200, accept_token=lambda t: t == TOKEN)
    with ndes.Client("wrong", backend=EmulatorBackend(emu)) as client:
        with pytest.raises(ndes.AuthenticationError):
            client.create(display_name="x")
    with ndes.Client(TOKEN, backend=EmulatorBackend(emu)) as client:
        with pytest.raises(ndes.GraphError) as e:
            client.create(display_name="x" * 300)
    assert e.value.status == 413
    assert [r.body for r in emu.requests] == [b"", b""] and emu.connectors == []
