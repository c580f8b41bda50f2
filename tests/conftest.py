from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator

import pytest
from hypothesis import settings

import ndes
from ndes.backends import HttpxBackend, RequestsBackend, UrllibBackend
from ndes.emulator import EmulatorBackend, EmulatorServer, GraphEmulator, serve

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
BACKENDS = [*SOCKET_BACKENDS, "in-process"]


@pytest.fixture(params=BACKENDS)
def backend_kind(request: pytest.FixtureRequest) -> str:
    """Every backend by default; a test narrows it with parametrize("backend_kind", [...])."""
    return request.param


@pytest.fixture
def make_client(
    backend_kind: str, server: EmulatorServer, emu: GraphEmulator
) -> Iterator[Callable[..., ndes.Client]]:
    """Builds clients over one backend kind, all talking to the same emulator."""
    made: list[ndes.Client] = []

    def make(**kwargs: object) -> ndes.Client:
        kind = backend_kind
        token = kwargs.pop("token", TOKEN)
        if kind == "in-process":
            backend: object = EmulatorBackend(emu, server.base_url)
        else:
            backend = {"urllib": UrllibBackend, "requests": RequestsBackend, "httpx": HttpxBackend}[
                kind
            ]()
        options: dict[str, object] = {
            "backend": backend,
            "base_url": server.base_url,
            "retry_backoff": 0.01,
        }
        options.update(kwargs)
        client = ndes.Client(token, **options)  # type: ignore[arg-type]
        made.append(client)
        return client

    make.kind = backend_kind  # type: ignore[attr-defined]
    yield make
    for client in made:
        client.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
