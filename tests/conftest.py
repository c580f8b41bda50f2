from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator

import pytest
from async_facade import LoopThread, SyncFacade
from hypothesis import settings

import ndes
from ndes.backends import AsyncHttpxBackend, HttpxBackend, RequestsBackend, UrllibBackend
from ndes.emulator import (
    AsyncEmulatorBackend,
    EmulatorBackend,
    EmulatorServer,
    GraphEmulator,
    serve,
)

TOKEN = "test-token-0f6c1e"

# Under `make test-asan` every example runs many times slower, unevenly: hypothesis's per-example
# deadline would fail on timing alone.
if os.environ.get("NDES_EXPECT_SANITIZED") == "1":
    settings.register_profile("sanitized", deadline=None)
    settings.load_profile("sanitized")


@pytest.fixture(scope="session")
def server() -> Iterator[EmulatorServer]:
    with serve() as s:
        yield s


@pytest.fixture
def emu(server: EmulatorServer) -> Iterator[GraphEmulator]:
    server.emulator.reset()
    server.emulator.accept_token = None
    yield server.emulator
    server.emulator.reset()


SOCKET_BACKENDS = ["urllib", "requests", "httpx"]
# An "async-" kind is ndes.AsyncClient over that backend, seen through a sync facade (see
# async_facade.py), so every test written for ndes.Client runs against both clients.
# "async-aiohttp" is the README's example of a custom backend.
ASYNC_SOCKET_BACKENDS = ["async-httpx", "async-aiohttp"]
IN_PROCESS = ["in-process", "async-in-process"]
BACKENDS = [*SOCKET_BACKENDS, *ASYNC_SOCKET_BACKENDS, *IN_PROCESS]
ASYNC_BACKENDS = [k for k in BACKENDS if k.startswith("async-")]
BACKEND_TYPES: dict[str, Callable[[], object]] = {
    "urllib": UrllibBackend,
    "requests": RequestsBackend,
    "httpx": HttpxBackend,
    "async-httpx": AsyncHttpxBackend,
}


@pytest.fixture(params=BACKENDS)
def backend_kind(request: pytest.FixtureRequest) -> str:
    """Every backend of both clients by default; a test narrows it with
    parametrize("backend_kind", [...])."""
    return request.param


@pytest.fixture
def make_client(
    backend_kind: str, server: EmulatorServer, emu: GraphEmulator
) -> Iterator[Callable[..., ndes.Client]]:
    """Builds clients over one backend kind, all talking to the same emulator. ``make.kind``
    is the backend without its "async-" prefix; ``make.is_async`` says which client it is."""
    made: list[ndes.Client | SyncFacade] = []
    is_async = backend_kind.startswith("async-")
    loop = LoopThread() if is_async else None

    def make(**kwargs: object) -> ndes.Client:
        token = kwargs.pop("token", TOKEN)
        if backend_kind == "in-process":
            backend: object = EmulatorBackend(emu, server.base_url)
        elif backend_kind == "async-in-process":
            backend = AsyncEmulatorBackend(emu, server.base_url)
        elif backend_kind == "async-aiohttp":
            from async_helpers import readme_class  # it imports this module

            backend = readme_class("AiohttpBackend")()
        else:
            backend = BACKEND_TYPES[backend_kind]()
        options: dict[str, object] = {
            "backend": backend,
            "base_url": server.base_url,
            "retry_backoff": 0.01,
        }
        options.update(kwargs)
        if loop is None:
            client: ndes.Client | SyncFacade = ndes.Client(token, **options)  # type: ignore[arg-type]
        else:
            client = SyncFacade(ndes.AsyncClient(token, **options), loop)  # type: ignore[arg-type]
        made.append(client)
        return client  # type: ignore[return-value]

    make.kind = backend_kind.removeprefix("async-")  # type: ignore[attr-defined]
    make.is_async = is_async  # type: ignore[attr-defined]
    yield make
    for client in made:
        client.close()
    if loop is not None:
        loop.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
