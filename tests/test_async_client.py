"""What only AsyncClient has: awaited token sources, the kind checks between the two clients,
many tasks over one client, and the emulator started from inside a running loop. (Everything
the sync client does is tested on AsyncClient too, through make_client in conftest.py.)"""

from __future__ import annotations

import asyncio
import threading
import warnings
from collections import namedtuple

import httpx
import pytest
import requests
from async_helpers import async_client
from conftest import ASYNC_BACKENDS, TOKEN

import ndes
from ndes.backends import AsyncHttpxBackend, HttpxBackend, UrllibBackend
from ndes.emulator import AsyncEmulatorBackend, EmulatorBackend, serve

AccessToken = namedtuple("AccessToken", "token expires_on")  # azure-core's shape

each_kind = pytest.mark.parametrize("kind", ASYNC_BACKENDS)


class AioCredential:
    """The shape of an ``azure.identity.aio`` credential: ``await get_token(*scopes)``."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    async def get_token(self, *scopes: str) -> AccessToken:
        self.scopes.append(scopes)
        await asyncio.sleep(0)
        return AccessToken("from-aio-credential", 0)


class SyncCredential:
    """The shape of a sync azure-identity credential, which may block on the network."""

    def __init__(self) -> None:
        self.threads: list[str] = []

    def get_token(self, *scopes: str) -> AccessToken:
        self.threads.append(threading.current_thread().name)
        return AccessToken("from-sync-credential", 0)


async def async_token() -> str:
    await asyncio.sleep(0)
    return "from-async-callable"


@each_kind
@pytest.mark.parametrize(
    "source, expected",
    [
        (AioCredential, "from-aio-credential"),
        (SyncCredential, "from-sync-credential"),
        (lambda: async_token, "from-async-callable"),
        (lambda: lambda: "from-sync-callable", "from-sync-callable"),
        (lambda: lambda: async_token(), "from-async-callable"),  # returns an awaitable
    ],
)
def test_token_sources(kind, server, emu, source, expected):
    token = source()

    async def scenario():
        async with async_client(kind, server, token=token) as client:
            await client.create(display_name="x")

    asyncio.run(scenario())
    assert emu.requests[0].headers["authorization"] == f"Bearer {expected}"
    if isinstance(token, AioCredential):
        assert token.scopes == [("https://graph.microsoft.com/.default",)]
    if isinstance(token, SyncCredential):  # asked off the event loop's thread
        assert token.threads and token.threads[0] != threading.main_thread().name


@each_kind
def test_a_failing_async_token_source_is_a_credential_error(kind, server, emu):
    async def token() -> str:
        raise RuntimeError("no az login")

    async def scenario():
        async with async_client(kind, server, token=token) as client:
            await client.create(display_name="x")

    with pytest.raises(ndes.CredentialError) as info:
        asyncio.run(scenario())
    assert isinstance(info.value.__cause__, RuntimeError) and emu.requests == []


def test_the_sync_client_refuses_async_token_sources_clearly(emu):
    with pytest.raises(TypeError, match="AsyncClient"):
        ndes.Client(AioCredential(), backend=EmulatorBackend(emu))
    with pytest.raises(TypeError, match="AsyncClient"):
        ndes.Client(async_token, backend=EmulatorBackend(emu))
    # One it cannot tell by looking: the error comes when the token is asked for, and the
    # coroutine is closed rather than left to warn that it was never awaited.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client = ndes.Client(lambda: async_token(), backend=EmulatorBackend(emu))
        with pytest.raises(ndes.CredentialError, match="AsyncClient"):
            client.create(display_name="x")
    assert emu.requests == []


def test_a_backend_of_the_other_kind_is_a_type_error_saying_what_to_use():
    sync, aio = ndes.Client, ndes.AsyncClient
    wrap = "backend=ndes.backends."
    cases = [
        (aio, UrllibBackend(), "UrllibBackend is a sync backend: use it with ndes.Client"),
        (aio, HttpxBackend(), "HttpxBackend is a sync backend"),
        (aio, EmulatorBackend(), "EmulatorBackend is a sync backend"),
        (sync, AsyncHttpxBackend(), "AsyncHttpxBackend is an async backend: use it with ndes.Asy"),
        (sync, AsyncEmulatorBackend(), "AsyncEmulatorBackend is an async backend"),
        (sync, httpx.AsyncClient(), f"is async: use ndes.AsyncClient with {wrap}AsyncHttpxBackend"),
        (aio, httpx.AsyncClient(), f"not httpx.AsyncClient itself: pass {wrap}AsyncHttpxBackend"),
        (sync, httpx.Client(), f"not httpx.Client itself: pass {wrap}HttpxBackend(it)"),
        (aio, httpx.Client(), f"httpx.Client is sync: use ndes.Client with {wrap}HttpxBackend"),
        (aio, requests.Session(), "requests.Session is sync"),
        (sync, object(), "object is not a backend: ndes.Client needs send(request) and close()"),
        (aio, object(), "needs async send(request) and aclose()"),
    ]
    for client_type, backend, message in cases:
        with pytest.raises(TypeError) as info:
            client_type(TOKEN, backend=backend)
        assert message in str(info.value), (client_type, backend)
    with pytest.raises(TypeError, match="use HttpxBackend with ndes.Client"):
        AsyncHttpxBackend(httpx.Client())  # type: ignore[arg-type]


def test_async_client_is_not_a_sync_context_manager():
    client = ndes.AsyncClient(TOKEN, backend=AsyncEmulatorBackend())
    with pytest.raises(TypeError, match="async with"):
        with client:
            pass


def test_the_default_backend_is_async_httpx_and_takes_a_proxy(server, emu):
    """A plain-HTTP proxy on loopback that forwards to the emulator sees the request in
    absolute form."""
    import http.server
    import urllib.request

    seen: list[str] = []

    class Proxy(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            seen.append(self.path)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            forwarded = urllib.request.Request(self.path, body, dict(self.headers), method="POST")
            with urllib.request.urlopen(forwarded) as answer:
                payload = answer.read()
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.headers["Content-Type"])
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:

        async def scenario():
            proxy_url = f"http://127.0.0.1:{proxy.server_address[1]}"
            async with ndes.AsyncClient(TOKEN, base_url=server.base_url, proxy=proxy_url) as c:
                assert isinstance(c.backend, AsyncHttpxBackend)
                return await c.create(display_name="via proxy")

        created = asyncio.run(scenario())
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert seen == [f"{server.base_url}/deviceManagement/ndesConnectors"]
    assert emu.connectors == [created]


def test_a_thousand_creates_from_fifty_tasks_over_one_client(server, emu):
    names = [f"NDES-{i:04d}" for i in range(1000)]
    in_flight = most = 0

    class Counting(AsyncHttpxBackend):
        async def send(self, request):
            nonlocal in_flight, most
            in_flight += 1
            most = max(most, in_flight)
            try:
                return await super().send(request)
            finally:
                in_flight -= 1

    async def scenario():
        async with ndes.AsyncClient(
            TOKEN, backend=Counting(), base_url=server.base_url, write_limit=None
        ) as client:

            async def worker(mine: list[str]) -> list[ndes.NdesConnector]:
                return [await client.create(display_name=name) for name in mine]

            done = await asyncio.gather(*(worker(names[i::50]) for i in range(50)))
            return [c for part in done for c in part]

    created = asyncio.run(scenario())
    assert most > 1  # the tasks did overlap on the one client
    assert len(created) == 1000 and len({c.id for c in created}) == 1000
    assert sorted(c.display_name for c in created) == names
    stored = emu.connectors
    assert sorted(c.display_name for c in stored) == names  # each created exactly once
    assert {c.id for c in stored} == {c.id for c in created}
    assert len(emu.requests) == 1000  # and each sent once


def test_serve_works_inside_a_running_loop():
    """As in a notebook, whose cell already runs in an event loop: the emulator serves from
    its own thread, for AsyncClient and for the sync Client alike."""

    async def cell():
        with serve() as emu:
            async with ndes.AsyncClient("t", base_url=emu.base_url) as client:
                made = await asyncio.gather(
                    *(client.create(display_name=f"a{i}") for i in range(20))
                )
            with ndes.Client("t", base_url=emu.base_url) as sync_client:
                made.append(sync_client.create(display_name="sync"))
            stored = emu.emulator.connectors
        async with serve() as emu2:  # and as an async context manager
            async with ndes.AsyncClient("t", base_url=emu2.base_url) as client:
                made.append(await client.create(display_name="second server"))
            stored += emu2.emulator.connectors
        return made, stored

    made, stored = asyncio.run(cell())
    assert sorted(c.id for c in made) == sorted(c.id for c in stored) and len(made) == 22


@each_kind
def test_errors_are_the_sync_clients(kind, server, emu):
    """The same typed errors, raised from the coroutine (the facade tests cover each one)."""

    async def scenario():
        async with async_client(kind, server) as client:
            emu.inject("drop_after_body")
            with pytest.raises(ndes.OutcomeUnknownError) as info:
                await client.create(display_name="x")
            return info.value

    error = asyncio.run(scenario())
    assert error.client_request_id == emu.requests[0].headers["client-request-id"]
