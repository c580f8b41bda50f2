"""WriteLimiter under any interleaving of reservations: never more than `limit` writes start
in any window of `per` seconds, and no reservation waits longer than the window requires."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ndes._policy import WriteLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@settings(max_examples=300, deadline=None)
@given(
    limit=st.integers(1, 8),
    per=st.sampled_from([0.5, 1.0, 3.0, 20.0, 0.1]),
    steps=st.lists(
        st.tuples(st.sampled_from([0.0, 0.05, 0.1, 0.3, 1.0, 2.5, 20.0]), st.integers(1, 8)),
        max_size=60,
    ),
)
def test_no_window_holds_more_than_the_limit(limit, per, steps):
    clock = Clock()
    limiter = WriteLimiter(limit, per, clock=clock)
    starts: list[float] = []
    for advance, n in steps:
        clock.now += advance
        n = min(n, limit)
        wait = limiter.reserve(n)
        assert wait >= 0
        starts += [clock.now + wait] * n
    starts.sort()
    slack = 1e-9 * max(1.0, per)  # float rounding of t + per - per
    for i, t in enumerate(starts):
        window = [u for u in starts[i:] if u < t + per - slack]
        assert len(window) <= limit, (t, window)
