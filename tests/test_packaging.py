"""The built extension: msgpack-c linked in statically, and the package's typed files shipped."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ndes
import ndes._core


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldd is Linux's")
def test_extension_needs_no_libmsgpackc_at_run_time():
    ldd = shutil.which("ldd")
    assert ldd, "ldd not found"
    out = subprocess.run([ldd, ndes._core.__file__], capture_output=True, text=True).stdout
    assert "libc.so" in out  # ldd did read the module
    assert "msgpack" not in out


def test_typed_files_are_installed():
    root = Path(ndes.__file__).parent
    assert (root / "py.typed").exists()
    assert (root / "_core.pyi").exists()


def test_import_is_light(tmp_path):
    code = (
        "import sys, ndes; print(sorted(m for m in ('json','asyncio','ssl') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldd is Linux's")
def test_the_build_under_test_is_the_one_intended():
    """`make test-asan` sets NDES_EXPECT_SANITIZED=1: then the extension must be the ASan build."""
    import os

    out = subprocess.run(["ldd", ndes._core.__file__], capture_output=True, text=True).stdout
    assert ("libasan" in out) == (os.environ.get("NDES_EXPECT_SANITIZED") == "1")


def test_the_package_under_test_is_the_one_intended():
    """`make wheel-check` and `make wheels` set NDES_EXPECT_INSTALLED=1: then ndes must be the
    installed wheel's, not the source tree's (which an editable install or the cwd would give).
    `make test-asan` runs a staged copy; `make test`, the editable install of the source tree."""
    import os

    source = Path(__file__).resolve().parents[1] / "ndes"
    from_source = Path(ndes.__file__).resolve().parent == source
    elsewhere = "1" in (
        os.environ.get("NDES_EXPECT_INSTALLED"),
        os.environ.get("NDES_EXPECT_SANITIZED"),
    )
    assert from_source == (not elsewhere)
