"""The sync client's API over an AsyncClient, so that the sync client's tests run unchanged
against the async one: each call runs its coroutine on an event loop in a thread of its own."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """An event loop running in a daemon thread; ``run`` waits for a coroutine's result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="async-facade")
        self._thread.daemon = True
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def iterate(self, items: AsyncIterator[T]) -> Iterator[T]:
        """An async iterator as a sync one, one item per step (so a lazy one stays lazy)."""
        try:
            while True:
                try:
                    item = self.run(items.__anext__())  # type: ignore[arg-type]
                except StopAsyncIteration:
                    return
                yield item
        finally:
            aclose = getattr(items, "aclose", None)
            if aclose is not None:
                self.run(aclose())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


class SyncFacade:
    """Looks like ``ndes.Client``; every method is the AsyncClient's, run on ``loop``."""

    def __init__(self, client: Any, loop: LoopThread) -> None:
        self.async_client = client
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.async_client, name)
        if inspect.iscoroutinefunction(attr):
            return lambda *args, **kwargs: self._loop.run(attr(*args, **kwargs))
        if inspect.isasyncgenfunction(attr):
            return lambda *args, **kwargs: self._loop.iterate(attr(*args, **kwargs))
        return attr

    def __repr__(self) -> str:
        return repr(self.async_client)

    def __enter__(self) -> SyncFacade:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._loop.run(self.async_client.aclose())
