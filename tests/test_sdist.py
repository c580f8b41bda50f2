"""The sdist: what a build needs and no more, with the metadata an index page shows."""

from __future__ import annotations

import email
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("build")
pytest.importorskip("scikit_build_core")


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> tarfile.TarFile:
    out = tmp_path_factory.mktemp("sdist")
    # No isolation: the backend is the test extra's own, and the run needs no network.
    subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "-o", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("ndes-*.tar.gz")
    with tarfile.open(path) as tar:
        yield tar


def names(tar: tarfile.TarFile) -> list[str]:
    return [m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile()]


def test_sdist_holds_the_build_and_no_more(sdist: tarfile.TarFile) -> None:
    files = names(sdist)
    for needed in ("pyproject.toml", "CMakeLists.txt", "LICENSE", "README.md", "PKG-INFO"):
        assert needed in files
    assert any(f.startswith("csrc/core/") and f.endswith(".c") for f in files)
    assert any(f.startswith("csrc/python/") and f.endswith(".c") for f in files)
    assert "ndes/__init__.py" in files and "ndes/py.typed" in files and "ndes/_core.pyi" in files
    left_out = ("tests/", "bench/", ".ci/", "csrc/fuzz/", "csrc/tests/", "build/", ".venv/")
    assert [f for f in files if f.startswith(left_out)] == []
    assert not [f for f in files if f.endswith((".so", ".pyc"))]
    assert len(files) < 100, len(files)


def test_sdist_metadata(sdist: tarfile.TarFile) -> None:
    (member,) = [m for m in sdist.getmembers() if m.name.endswith("/PKG-INFO")]
    meta = email.message_from_bytes(sdist.extractfile(member).read())  # type: ignore[union-attr]
    assert meta["License-Expression"] == "MIT"
    assert meta["License-File"] == "LICENSE"
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert {"Homepage", "Source", "Issues", "Documentation"} <= urls.keys()
    classifiers = meta.get_all("Classifier")
    for minor in (10, 11, 12, 13):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert meta["Requires-Python"] == ">=3.10"


def test_license_is_mit() -> None:
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_a_build_without_msgpack_c_says_so_in_one_line(tmp_path: Path) -> None:
    """CMake is told to find nothing outside an empty root: the error is the one line to act on."""
    # The test venv's cmake, else PATH's, else the one `make install` put in the clone's venv.
    here = str(Path(sys.executable).parent)
    cmake = shutil.which("cmake", path=here) or shutil.which("cmake")
    cmake = cmake or shutil.which("cmake", path=str(ROOT / ".venv" / "bin"))
    if cmake is None:
        pytest.skip("no cmake here (make install puts one in .venv)")
    empty = tmp_path / "empty"
    empty.mkdir()
    result = subprocess.run(
        [
            cmake, "-S", str(ROOT), "-B", str(tmp_path / "b"), "-DNDES_BUILD_PYTHON=OFF",
            f"-DCMAKE_FIND_ROOT_PATH={empty}", "-DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY",
            "-DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY", "-DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=ONLY",
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if "msgpack-c" in line]
    assert len(lines) == 1, result.stderr
    assert "libmsgpack-dev" in lines[0] and "msgpack-devel" in lines[0]
