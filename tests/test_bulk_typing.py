"""mypy --strict accepts a script that uses create_many and its results."""

from __future__ import annotations

from pathlib import Path

from test_typing import run_mypy

GOOD = """
import ndes

def show(done: int, total: int | None) -> None:
    pass

rows = ({"display_name": f"n{i}"} for i in range(3))
with ndes.Client(token="t", base_url="http://127.0.0.1:1/beta") as client:
    result: ndes.BulkResult = client.create_many(rows, if_absent=True, on_progress=show)
    first: ndes.BulkEntry = result[0]
    status: str = first.status
    made: ndes.NdesConnector | None = first.connector
    error: ndes.NdesError | None = first.error
    counts: dict[str, int] = result.counts
    again: list[ndes.NdesConnector] = result.to_retry()
    client.create_many([ndes.NdesConnector(display_name="x")], batch_size=10)
"""


def test_mypy_strict_accepts_create_many(tmp_path: Path) -> None:
    result = run_mypy(tmp_path, GOOD)
    assert result.returncode == 0, result.stdout + result.stderr
