"""Intune's write limits, as the emulator enforces them when asked: at most ``app_limit`` writes
per app and ``tenant_limit`` per tenant in any ``window`` seconds, else 429 with Retry-After.

The emulator is one tenant; an app is a bearer token. A write is a POST, PATCH or DELETE, each
sub-request of a $batch counted on its own, as Graph counts them."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class WriteThrottle:
    def __init__(
        self,
        app_limit: int = 100,
        tenant_limit: int = 200,
        window: float = 20.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if app_limit < 1 or tenant_limit < 1 or window <= 0:
            raise ValueError("write limits need limits >= 1 and a window > 0")
        self.app_limit = app_limit
        self.tenant_limit = tenant_limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._apps: dict[str, deque[float]] = {}
        self._tenant: deque[float] = deque()
        #: Times of the writes let through, and how many were refused: what a test checks.
        self.admitted: list[float] = []
        self.refused = 0

    def admit(self, app: str) -> int | None:
        """Counts a write and returns None, or returns the Retry-After (whole seconds, at least
        1, as HTTP has it) when the app or the tenant is over its limit."""
        with self._lock:
            now = self._clock()
            since = now - self.window
            mine = self._apps.setdefault(app, deque())
            for times in (mine, self._tenant):
                while times and times[0] <= since:
                    times.popleft()
            wait = 0.0
            if len(mine) >= self.app_limit:
                wait = mine[0] - since
            if len(self._tenant) >= self.tenant_limit:
                wait = max(wait, self._tenant[0] - since)
            if wait > 0:
                self.refused += 1
                return max(1, math.ceil(wait))
            mine.append(now)
            self._tenant.append(now)
            self.admitted.append(now)
            return None

    def most_in_any_window(self) -> int:
        """The most writes let through in any ``window`` seconds (never over the limits)."""
        with self._lock:
            times = list(self.admitted)
        most = start = 0
        for end, t in enumerate(times):
            while times[start] <= t - self.window:
                start += 1
            most = max(most, end - start + 1)
        return most
