"""The development loop: after `make install` (or `make test`), the clone root works as a
working directory: `import ndes`, `python -m ndes`, `python -m pytest`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    "1" in (os.environ.get("NDES_EXPECT_INSTALLED"), os.environ.get("NDES_EXPECT_SANITIZED")),
    reason="an installed copy is under test: the clone root's ndes/ would shadow it by design",
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True)


def test_import_from_the_clone_root() -> None:
    out = run("-c", "import ndes, ndes._core; print(ndes.NdesConnector(display_name='x'))")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "NdesConnector(display_name='x')"


def test_python_m_ndes_from_the_clone_root() -> None:
    out = run("-m", "ndes", "create", "--emulator", "--display-name", "NDES-01")
    assert out.returncode == 0, out.stderr
    assert '"displayName":"NDES-01"' in out.stdout


def test_python_m_pytest_from_the_clone_root() -> None:
    test = "tests/test_policy.py::test_post_is_never_resent_after_an_unknown_outcome"
    out = run("-m", "pytest", "-q", "-p", "no:cacheprovider", test)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 passed" in out.stdout
