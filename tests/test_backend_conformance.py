"""One conformance test for every backend: a scripted loopback server misbehaves in one way per
scenario, and each backend must classify it the same way. TransportError only when no byte of
the request can have been acted on (refused, failed TLS handshake), and then create() retries;
anything after the request may have arrived is OutcomeUnknownError, and create() sends the POST
exactly once."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from conftest import SOCKET_BACKENDS, TOKEN, free_port
from raw_server import CONNECTOR, TWO_LENGTHS, Conn, ScriptedServer, answer, client, http_response

import ndes
from ndes.emulator import EmulatorBackend, GraphEmulator

# -- the scripts ---------------------------------------------------------------------------


def close_before_reading(conn: Conn) -> None:
    conn.wait_whole_request()  # then close with it unread, which sends an RST


def read_then_close(conn: Conn) -> None:
    conn.read_request()


def read_then_reset(conn: Conn) -> None:
    if conn.read_request() is not None:
        conn.reset()


def read_then_tls_garbage(conn: Conn) -> None:
    if conn.read_request() is not None:
        conn.raw_send(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")


def not_tls(conn: Conn) -> None:
    conn.send(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


def stall(conn: Conn) -> None:
    """Accept, then say nothing (a TLS handshake that never completes)."""
    conn.wait_readable()
    conn.server.stop.wait(30)


def trickle(head: bytes, slow: bytes, rest: bytes) -> Callable[[Conn], None]:
    """Send `head`, then `slow` a byte every 50 ms (each read well inside the timeout), then
    `rest`: a whole, valid 201 that only an unbounded attempt would wait for."""

    def script(conn: Conn) -> None:
        if conn.read_request() is not None:
            conn.send(head)
            conn.trickle(slow, 0.05)
            conn.send(rest)

    return script


PAD = b"a" * 300  # 15 s of trickling
PADDED = CONNECTOR[:-1] + b',"pad":"' + PAD + b'"}'
BIG = CONNECTOR[:-1] + b',"pad":"' + b"x" * 50_000 + b'"}'


@dataclass
class Scenario:
    name: str
    script: Callable[[Conn], None] | None  # None: nothing listens
    outcome: type[BaseException] | None  # None: created
    tls: bool = False  # the server speaks TLS
    https: bool | None = None  # the client speaks TLS (default: as the server)
    trust: bool = True
    options: dict[str, object] = field(default_factory=dict)
    #: The script trickles PAD: the client must hang up before the end of it (read loops
    #: also refuse a late answer, but only once it is all in).
    trickles: bool = False


SCENARIOS = [
    Scenario("a 201 (control)", answer(http_response(201, [], CONNECTOR)), None),
    Scenario("a 201 over TLS (control)", answer(http_response(201, [], CONNECTOR)), None, tls=True),
    Scenario(
        "a 201 with Connection: close (control)",
        answer(http_response(201, [("Connection", "close")], CONNECTOR)),
        None,
    ),
    Scenario(
        "a 201 with Connection: close over TLS (control)",
        answer(http_response(201, [("Connection", "close")], CONNECTOR)),
        None,
        tls=True,
    ),
    Scenario(
        "a 201 read to the end of the connection (control)",
        answer(http_response(201, [("Connection", "close")], CONNECTOR, length=False)),
        None,
    ),
    Scenario("connection refused", None, ndes.TransportError),
    Scenario("TLS to a server that is not TLS", not_tls, ndes.TransportError, https=True),
    Scenario("TLS with an untrusted certificate", None, ndes.TransportError, tls=True, trust=False),
    Scenario(
        "a TLS handshake that never completes",
        stall,
        ndes.TransportError,
        https=True,
        options={"timeout": 0.5},
    ),
    Scenario("close before reading the request", close_before_reading, ndes.OutcomeUnknownError),
    Scenario("read the request, then close", read_then_close, ndes.OutcomeUnknownError),
    Scenario("read the request, then reset", read_then_reset, ndes.OutcomeUnknownError),
    Scenario("read, then garbage", answer(b"garbage\r\n\r\n" * 3), ndes.OutcomeUnknownError),
    Scenario(
        "TLS: read, then non-TLS bytes",
        read_then_tls_garbage,
        ndes.OutcomeUnknownError,
        tls=True,
    ),
    Scenario("a 201 with two Content-Lengths", answer(TWO_LENGTHS), ndes.OutcomeUnknownError),
    Scenario(
        "a 201 cut short",
        answer(http_response(201, [("Content-Length", "500")], CONNECTOR, length=False)),
        ndes.OutcomeUnknownError,
    ),
    Scenario(
        "a 201 with a bad chunk size",
        answer(
            http_response(201, [("Transfer-Encoding", "chunked")], b"zz\r\nab\r\n", length=False)
        ),
        ndes.OutcomeUnknownError,
    ),
    Scenario(
        "a 201 over the body cap",
        answer(http_response(201, [], BIG)),
        ndes.OutcomeUnknownError,
        options={"max_response_bytes": 10_000},
    ),
    Scenario(
        "a 201 labelled gzip with a plain body",
        answer(http_response(201, [("Content-Encoding", "gzip")], CONNECTOR)),
        ndes.OutcomeUnknownError,
    ),
    Scenario(
        "a 201 labelled gzip, gzip bomb over the cap",
        answer(http_response(201, [("Content-Encoding", "gzip")], gzip.compress(b" " * 5_000_000))),
        ndes.OutcomeUnknownError,
    ),
    Scenario(
        "headers trickled a byte at a time",
        trickle(
            b"HTTP/1.1 201 Created\r\nX-Pad: ",
            PAD,
            f"\r\nContent-Length: {len(CONNECTOR)}\r\n\r\n".encode() + CONNECTOR,
        ),
        ndes.OutcomeUnknownError,
        options={"timeout": 1.0},
        trickles=True,
    ),
    Scenario(
        "body trickled a byte at a time",
        trickle(
            f"HTTP/1.1 201 Created\r\nContent-Length: {len(PADDED)}\r\n\r\n".encode()
            + PADDED[: -len(PAD) - 2],
            PAD,
            b'"}',
        ),
        ndes.OutcomeUnknownError,
        options={"timeout": 1.0},
        trickles=True,
    ),
    Scenario(
        "TLS: headers trickled a byte at a time",
        trickle(
            b"HTTP/1.1 201 Created\r\nX-Pad: ",
            PAD,
            f"\r\nContent-Length: {len(CONNECTOR)}\r\n\r\n".encode() + CONNECTOR,
        ),
        ndes.OutcomeUnknownError,
        tls=True,
        options={"timeout": 1.0},
        trickles=True,
    ),
]


@pytest.mark.parametrize("kind", SOCKET_BACKENDS)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_backend_classifies_each_failure(kind: str, scenario: Scenario) -> None:
    with ScriptedServer(scenario.script or read_then_close, tls=scenario.tls) as server:
        https = scenario.tls if scenario.https is None else scenario.https
        port = server.port if scenario.script is not None or scenario.tls else free_port()
        base_url = f"{'https' if https else 'http'}://127.0.0.1:{port}/beta"
        with client(kind, base_url, trust=scenario.trust, **scenario.options) as c:
            if scenario.outcome is None:
                created = c.create(display_name="x")
                assert created.id == "c1"
                assert server.connections == 1 and len(server.requests) == 1
                return
            with pytest.raises(scenario.outcome) as e:
                c.create(display_name="x")
            if scenario.trickles:
                assert server.trickled < len(PAD)
        assert isinstance(e.value, ndes.NdesError)
        assert e.value.client_request_id
        if issubclass(scenario.outcome, ndes.OutcomeUnknownError):
            assert not isinstance(e.value, ndes.TransportError)
            # may have arrived: sent once, never again
            assert server.connections == 1 and len(server.requests) <= 1
        else:
            assert not isinstance(e.value, ndes.OutcomeUnknownError)
            assert server.requests == []  # no request arrived whole
            if scenario.script is not None or scenario.tls:
                assert server.connections == 3  # not sent, so retried (max_retries=2)


# The in-process backend has no socket: its faults stand for the same cases.
IN_PROCESS = [
    ("refuse", ndes.TransportError, 0),
    ("drop_before_body", ndes.OutcomeUnknownError, 0),
    ("drop_after_body", ndes.OutcomeUnknownError, 1),
    ("truncate", ndes.OutcomeUnknownError, 1),
    ("oversize", ndes.OutcomeUnknownError, 1),
]


@pytest.mark.parametrize(("fault", "outcome", "stored"), IN_PROCESS)
def test_in_process_backend_classifies_each_failure(fault, outcome, stored):
    emu = GraphEmulator()
    emu.inject(fault, count=3, size=200_000)
    with ndes.Client(
        TOKEN,
        backend=EmulatorBackend(emu),
        max_retries=2,
        retry_backoff=0.001,
        max_response_bytes=100_000,
    ) as c:
        with pytest.raises(outcome):
            c.create(display_name="x")
    sent = len(emu.requests)
    assert sent == (0 if outcome is ndes.TransportError else 1)
    assert len(emu.connectors) == stored


@pytest.mark.parametrize("kind", SOCKET_BACKENDS)
@pytest.mark.parametrize("timeout", [float("nan"), float("inf")])
def test_a_timeout_no_socket_takes_is_refused_before_connecting(kind: str, timeout: float) -> None:
    # The client refuses such a timeout when it is made; a backend used on its own must too.
    from raw_server import make_backend

    with pytest.raises(ValueError, match="finite"):
        ndes.Client(TOKEN, timeout=timeout)
    with ScriptedServer(answer(http_response(201, [], CONNECTOR))) as server:
        backend = make_backend(kind, trust=True)
        request = ndes.HttpRequest(
            "POST", server.base_url + "/deviceManagement/ndesConnectors", {}, b"{}", timeout
        )
        try:
            with pytest.raises(ndes.TransportError, match="timeout"):
                backend.send(request)
        finally:
            backend.close()
    assert server.connections == 0


@pytest.mark.parametrize("kind", SOCKET_BACKENDS)
def test_a_dns_failure_is_a_transport_error_and_retried(kind: str, monkeypatch) -> None:
    import socket

    lookups: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):  # no resolver needed: the name fails here
        if str(host).endswith(".invalid"):
            lookups.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with client(kind, "https://ndes-test.invalid/beta") as c:
        with pytest.raises(ndes.TransportError) as e:
            c.create(display_name="x")
    assert not isinstance(e.value, ndes.OutcomeUnknownError)
    assert len(lookups) == 3  # not sent, so retried (max_retries=2)


def reset_after_headers(conn: Conn) -> None:
    while b"\r\n\r\n" not in conn._buffer:
        if not conn._fill():
            return
    conn.reset()  # the 50 MB body is still being sent


@pytest.mark.parametrize("kind", SOCKET_BACKENDS)
def test_a_send_cut_short_is_never_taken_for_a_request_that_arrived(kind: str) -> None:
    """The server resets the connection while the body is still being sent. http.client sees
    its send fail: the request did not leave whole, and a server acts on none of a request
    short of its Content-Length, so that is a TransportError (retried). urllib3 and httpcore
    hide the failed send and report the lost answer: OutcomeUnknownError, sent once."""
    with ScriptedServer(reset_after_headers) as server:
        with client(kind, server.base_url) as c:
            with pytest.raises((ndes.TransportError, ndes.OutcomeUnknownError)) as e:
                c.create(display_name="x" * 50_000_000)
    assert server.requests == []
    if isinstance(e.value, ndes.TransportError):
        assert server.connections == 3
    else:
        assert server.connections == 1
    if kind == "urllib":
        assert isinstance(e.value, ndes.TransportError)


def test_the_attempt_bound_holds_through_an_http_proxy() -> None:
    """requests makes proxy pools apart from its own: they get the deadline too. (Past the
    deadline, the read loop would also refuse the answer, but only once the headers were in:
    what shows the bound is that the client hung up while the headers still trickled.)"""
    script = trickle(
        b"HTTP/1.1 201 Created\r\nX-Pad: ",
        PAD,
        f"\r\nContent-Length: {len(CONNECTOR)}\r\n\r\n".encode() + CONNECTOR,
    )
    with ScriptedServer(script) as proxy:
        with client("requests", "http://127.0.0.1:9/beta", timeout=1.0) as c:
            c.backend.session.proxies = {"http": f"http://127.0.0.1:{proxy.port}"}
            with pytest.raises(ndes.OutcomeUnknownError):
                c.create(display_name="x")
            assert proxy.trickled < len(PAD)
        (seen,) = proxy.requests
    assert seen.target == "http://127.0.0.1:9/beta/deviceManagement/ndesConnectors"


def test_the_attempt_bound_holds_through_an_environment_proxy_with_httpx(monkeypatch) -> None:
    """httpx makes a transport of its own for each proxy in the environment."""
    script = trickle(
        b"HTTP/1.1 201 Created\r\nX-Pad: ",
        PAD,
        f"\r\nContent-Length: {len(CONNECTOR)}\r\n\r\n".encode() + CONNECTOR,
    )
    with ScriptedServer(script) as proxy:
        for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        with client("httpx", "http://127.0.0.1:9/beta", timeout=1.0) as c:
            with pytest.raises(ndes.OutcomeUnknownError):
                c.create(display_name="x")
            assert proxy.trickled < len(PAD)
        (seen,) = proxy.requests
    assert seen.target == "http://127.0.0.1:9/beta/deviceManagement/ndesConnectors"
