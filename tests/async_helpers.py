"""What the AsyncClient tests share: a client over an async backend kind, and a bounded wait."""

from __future__ import annotations

import asyncio
import functools
import re
import time
from collections.abc import Callable
from pathlib import Path

from conftest import TOKEN

import ndes
from ndes.backends import AsyncHttpxBackend
from ndes.emulator import AsyncEmulatorBackend, EmulatorServer


def async_client(kind: str, server: EmulatorServer, **options: object) -> ndes.AsyncClient:
    """An AsyncClient over ``kind`` (one of conftest.ASYNC_BACKENDS) to the test server's
    emulator."""
    if kind == "async-in-process":
        backend: object = AsyncEmulatorBackend(server.emulator, server.base_url)
    elif kind == "async-aiohttp":
        backend = readme_class("AiohttpBackend")()
    else:
        assert kind == "async-httpx"
        backend = AsyncHttpxBackend()
    settings: dict[str, object] = {
        "backend": backend,
        "base_url": server.base_url,
        "retry_backoff": 0.01,
    }
    settings.update(options)
    token = settings.pop("token", TOKEN)
    return ndes.AsyncClient(token, **settings)  # type: ignore[arg-type]


async def until(
    condition: Callable[[], bool], seconds: float = 20.0, watch: asyncio.Task | None = None
) -> None:
    """Waits for ``condition``, polling; fails the test rather than wait past ``seconds``, or
    at once with the exception of the ``watch`` task if it ends first."""
    deadline = time.monotonic() + seconds
    while not condition():
        if watch is not None and watch.done():
            watch.result()
            raise AssertionError(f"{watch.get_name()} ended before the condition held")
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {seconds}s")
        await asyncio.sleep(0.005)


@functools.cache
def readme_class(name: str) -> type:
    """A class the README defines (its custom backends), from the README's own text."""
    readme = Path(__file__).resolve().parents[1] / "README.md"
    blocks = re.findall(r"```python\n(.*?)```", readme.read_text(), re.S)
    (block,) = [b for b in blocks if f"class {name}" in b]
    namespace: dict[str, object] = {"ndes": ndes}
    # Not the file's own name: pytest would parse the Markdown as Python to show a traceback.
    exec(compile(block, f"<README.md: {name}>", "exec"), namespace)
    return namespace[name]  # type: ignore[return-value]
