"""The codec workout with the collector at its most eager and finalizers that change the
connectors and buffers being worked on (codec_workout.py --gc-stress). It runs in a child
process, which inherits the sanitizers under `make test-asan`: a crash or a sanitizer report
fails this test instead of ending the session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

WORKOUT = Path(__file__).with_name("codec_workout.py")
CYCLES = 600


def test_codec_workout_under_gc_stress() -> None:
    env = dict(os.environ, PYTHONFAULTHANDLER="1")
    done = subprocess.run(
        [sys.executable, str(WORKOUT), str(CYCLES), "--gc-stress"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "workout done" in done.stdout
    runs = int(done.stdout.split(" cycles, ")[1].split()[0])
    assert runs > CYCLES  # the finalizers did run, many times per cycle
