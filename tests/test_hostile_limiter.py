"""WriteLimiter under any interleaving of reservations: never more than `limit` writes start
in any window of `per` seconds, and no reservation waits longer than the window requires."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ndes
from ndes._policy import WriteLimiter
from ndes.cli import main


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


@pytest.mark.parametrize(
    "limit, per",
    [(1, float("nan")), (1, float("inf")), (1, -1.0), (0, 1.0), (2.5, 1.0), (True, 1.0), (1, "20")],
)
def test_a_write_limit_that_cannot_be_kept_is_refused_when_given(limit, per):
    with pytest.raises((ValueError, TypeError)):
        WriteLimiter(limit, per)
    with pytest.raises((ValueError, TypeError)):
        ndes.Client("t", write_limit=(limit, per))


@pytest.mark.parametrize("text", ["1/nan", "1/inf", "5/-inf", "1/1e999"])
def test_the_cli_refuses_a_write_limit_that_cannot_be_kept(capsys, text):
    with pytest.raises(SystemExit) as exit:
        main(["create", "--from", "x.csv", "--emulator", "--write-limit", text])
    assert exit.value.code == 2
    assert "write limit" in capsys.readouterr().err
