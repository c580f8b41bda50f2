"""The progress bar of ``ndes create --from`` on a terminal's stderr."""

from __future__ import annotations

import time
from typing import IO


class Progress:
    """A one-line bar on a terminal: done/total, percent, rate, ETA; redrawn at most 10 times
    a second."""

    WIDTH = 24

    def __init__(self, stream: IO[str], total: int | None) -> None:
        self._stream = stream
        self._total = total
        self._started = time.monotonic()
        self._drawn = 0.0
        self._done = 0

    def update(self, done: int, total: int | None) -> None:
        self._done = done
        now = time.monotonic()
        if now - self._drawn >= 0.1 or done == self._total:
            self._drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self._started, 1e-9)
        rate = self._done / elapsed
        total = self._total
        if total:
            share = min(self._done / total, 1.0)
            filled = int(share * self.WIDTH)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            eta = _clock((total - self._done) / rate) if rate > 0 else "--:--"
            text = f"[{bar}] {self._done:,}/{total:,} {share:4.0%} {rate:,.0f}/s ETA {eta}"
        else:
            text = f"{self._done:,} done {rate:,.0f}/s"
        self._stream.write("\r" + text + "\x1b[K")
        self._stream.flush()

    def close(self) -> None:
        self._draw(time.monotonic())
        self._stream.write("\n")
        self._stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02}:{s:02}" if h else f"{m}:{s:02}"
