"""Finalizers that run inside the C binding: the collector at its most eager (threshold 1) and
garbage reference cycles whose __del__ calls a hostile action, so that any allocation the
binding makes may run Python code that changes what it is working on."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class _Armed:
    """One garbage cycle with a finalizer; each one run leaves the next behind."""

    def __init__(self, state: dict[str, object]) -> None:
        self.state = state
        self.cycle = self

    def __del__(self) -> None:
        state = self.state
        if not state["on"]:
            return
        state["runs"] += 1  # type: ignore[operator]
        try:
            state["action"]()  # type: ignore[operator]
        finally:
            _Armed(state)


@contextmanager
def finalizers(action: Callable[[], object]) -> Iterator[dict[str, object]]:
    """Runs the block with gc.set_threshold(1) and a finalizer calling `action` at each
    collection; yields the state, whose "runs" counts the calls."""
    state: dict[str, object] = {"on": True, "runs": 0, "action": action}
    old = gc.get_threshold()
    # Another's callbacks (hypothesis times each collection once any of its tests has run)
    # allocate at every collection, moving where the next one lands.
    callbacks = gc.callbacks[:]
    gc.callbacks.clear()
    gc.collect()
    _Armed(state)
    gc.set_threshold(1)
    try:
        yield state
    finally:
        state["on"] = False
        gc.set_threshold(*old)
        gc.collect()
        gc.callbacks[:] = callbacks


def drain_free_lists(shift: int = 0) -> list[object]:
    """Containers for the caller to hold across its next call, enough to empty CPython's free
    lists of lists, dicts and tuples: taking one from a free list never runs the collector.
    `shift` more move where the collector next runs (it runs at every other allocation)."""
    return [([], {}, (i, [])) for i in range(100)] + [[] for _ in range(shift)]


class Nth:
    """An action for finalizers() that acts at the n-th collection after arm(n) only, so that a
    loop can land it at each allocation of a call in turn (the first one would do it before the
    call has read anything)."""

    def __init__(self, action: Callable[[], object]) -> None:
        self.action = action
        self.left = -1

    def arm(self, n: int) -> None:
        self.left = n

    def __call__(self) -> None:
        self.left -= 1
        if self.left == -1:
            self.action()
