"""What the AsyncClient tests share: a client over an async backend kind, and a bounded wait."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from conftest import TOKEN

import ndes
from ndes.backends import AsyncHttpxBackend
from ndes.emulator import AsyncEmulatorBackend, EmulatorServer


def async_client(kind: str, server: EmulatorServer, **options: object) -> ndes.AsyncClient:
    """An AsyncClient over ``kind`` ("async-httpx" or "async-in-process") to the test server's
    emulator."""
    if kind == "async-in-process":
        backend: object = AsyncEmulatorBackend(server.emulator, server.base_url)
    else:
        backend = AsyncHttpxBackend()
    settings: dict[str, object] = {
        "backend": backend,
        "base_url": server.base_url,
        "retry_backoff": 0.01,
    }
    settings.update(options)
    token = settings.pop("token", TOKEN)
    return ndes.AsyncClient(token, **settings)  # type: ignore[arg-type]


async def until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    """Waits for ``condition``, polling; fails the test rather than wait past ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {seconds}s")
        await asyncio.sleep(0.005)
